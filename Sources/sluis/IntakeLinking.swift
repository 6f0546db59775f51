import SluisCore
import SluisInbox
import SluisPipeline

/// Connects the intake job to the linker (issue 5).
enum IntakeLinking {
    static let linker: InboxLinker = { opened, output, project in
        throw UsageError("linking is not available in this build yet")
    }
}
