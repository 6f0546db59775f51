import SluisIO
import SluisPipeline

extension LoadedPipeline {
    /// The bytes of all configured input files, for the progress line (a file that cannot be
    /// sized counts 0: the progress line is only an estimate, the run itself reports the error).
    var inputByteCount: UInt64 {
        config.files.indices.reduce(UInt64(0)) { sum, i in
            sum + ((try? FileInput(path: resolve(config.files[i].path)).size()) ?? nil ?? 0)
        }
    }
}
