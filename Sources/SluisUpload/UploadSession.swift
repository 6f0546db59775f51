import Foundation
import SluisCore

/// Uploads several packages, at most `concurrency` at a time, each on its own: one package's
/// failure does not stop the others. Results come back in the order the packages were given.
public struct UploadSession: Sendable {
    public enum Item: Sendable {
        case done(UploadResult)
        case failed(path: String, error: any SluisError)
    }

    let uploader: PackageUploader
    let concurrency: Int

    public init(uploader: PackageUploader, concurrency: Int) {
        self.uploader = uploader
        self.concurrency = max(1, concurrency)
    }

    public func run(paths: [String]) async -> [Item] {
        var items = [Item?](repeating: nil, count: paths.count)
        await withTaskGroup(of: (Int, Item).self) { group in
            var next = 0
            func start() {
                let i = next, path = paths[i], uploader = uploader
                next += 1
                group.addTask {
                    do { return (i, .done(try await uploader.upload(path: path))) } catch let e as any SluisError {
                        return (i, .failed(path: path, error: e))
                    } catch {
                        return (i, .failed(path: path, error: UploadError.refused(server: uploader.client.endpoint, status: 0,
                                                                                   during: "upload (\(type(of: error)))")))
                    }
                }
            }
            while next < paths.count && next < concurrency { start() }
            while let (i, item) = await group.next() {
                items[i] = item
                if next < paths.count { start() }
            }
        }
        return items.map { $0! }
    }
}
