/// Which of a two-thread pipeline's threads does a piece of work that either could do: a
/// batch's pseudonyms when sealing or pseudonymising, a block's register lookups when linking.
///
/// Production uses `.adaptive`: the reading thread takes the work while finished batches are
/// waiting for the writing thread, and leaves it to that thread otherwise, so the split follows
/// whichever side is busier on this file and machine. Tests force each side in turn, so both
/// code paths are checked to give the same bytes.
public enum WorkPlacement: Sendable, CaseIterable {
    case adaptive
    case readingThread
    case writingThread

    /// Whether the reading thread should do the work now, given how many finished items are
    /// waiting for the writing thread.
    @inline(__always)
    public func readerTakesWork(backlog: Int) -> Bool {
        switch self {
        case .adaptive: return backlog > 0
        case .readingThread: return true
        case .writingThread: return false
        }
    }
}
