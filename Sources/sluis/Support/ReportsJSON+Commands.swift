/// The commands with a `--json` flag (their failures are also printed as a JSON object on stdout).
extension CheckCommand: ReportsJSON {}
extension InboxCommand: ReportsJSON {}
extension InspectCommand: ReportsJSON {}
extension LinkCommand: ReportsJSON {}
extension OpenCommand: ReportsJSON {}
extension PseudonymiseCommand: ReportsJSON {}
extension SealCommand: ReportsJSON {}
extension VerifyCommand: ReportsJSON {}
extension OutputCheckCommand: ReportsJSON {}
extension OutputModelCommand: ReportsJSON {}
extension OutputTableCommand: ReportsJSON {}
extension UploadCommand.Send: ReportsJSON {}
