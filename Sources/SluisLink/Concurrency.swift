import Foundation

/// Runs the closures on their own threads and returns when all have finished: a fork-join of
/// independent jobs (the two halves of a sort), not a hand-off — producers and consumers that
/// pass items between threads use `HandOff` (SluisIO).
///
/// Why threads and not tasks: the register build and the linking are CPU-bound loops over
/// unsafe buffers that must not be suspended or hop executors; two plain threads on two cores
/// are what we measure.
func runConcurrently(_ jobs: [@Sendable () -> Void]) {
    guard jobs.count > 1 else { jobs.first?(); return }
    let group = DispatchGroup()
    var threads: [Thread] = []
    for job in jobs.dropFirst() {
        group.enter()
        let t = Thread { job(); group.leave() }
        t.stackSize = 1 << 22
        threads.append(t)
        t.start()
    }
    jobs[0]()
    group.wait()
}
