import SluisCore
import SluisInbox
import SluisPipeline

/// Connects the intake job to the linker (issue 5).
enum IntakeLinking {
    static func link(_ opened: OpenedPackage, _ output: String, _ project: IntakeConfig.Project) throws -> LinkOutcome {
        throw UsageError("linking is not available in this build yet")
    }
}
