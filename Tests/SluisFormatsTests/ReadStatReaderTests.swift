import SluisFormats
import SluisIO
import SluisTestSupport
import XCTest

final class ReadStatReaderTests: XCTestCase {
    func testSmoke() throws {
        let dir = (path: "/tmp/rsdebug", file: { (n: String) in "/tmp/rsdebug/" + n })
        try FileSystem.makeDirectories(dir.path)
        for format in ReadStatFileFormat.allCases {
            let path = dir.file("survey." + format.fileExtension)
            let meta = ReadStatFixtures.surveyMetadata(format: format)
            try ReadStatFixtures.write(path, metadata: meta, rows: ReadStatFixtures.surveyRows(format: format))
            print(try ReadStatFixtures.readstatCLI([path])?.output ?? "")
            let reader = try ReadStatReader(path: path)
            print(reader.metadata)
            print(try ReadStatFixtures.readAll(reader))
            print(try ReadStatFixtures.readstatCLI([path])?.output ?? "")
            print(try ReadStatFixtures.readstatCLI([path, "-"])?.output ?? "")
        }
    }
}
