import Foundation
import SluisIO

/// Removes expired unfinished uploads (and, after as long again, the records of finished ones),
/// finishes deliveries a dead process left half done, and clears leftovers of interrupted
/// creations and removals. Safe with several processes: an upload being written is skipped
/// (its lock is held), and removal is a rename first.
struct Sweeper: Sendable {
    let service: TusService

    func run() async {
        while !Task.isCancelled {
            let service = self.service
            _ = try? await BlockingIO.run { Sweeper.sweepOnce(service, now: Date()) }
            try? await Task.sleep(for: .milliseconds(Int64(service.config.sweepIntervalSeconds * 1000)))
        }
    }

    /// One pass; returns how many uploads it removed.
    @discardableResult
    static func sweepOnce(_ service: TusService, now: Date) -> Int {
        let store = service.store
        let t = Int64(now.timeIntervalSince1970)
        let keep = Int64(service.config.uploadExpirySeconds)
        var removed = 0
        for record in store.all() {
            if record.isComplete {
                try? PackageIntake.deliverIfPending(record, store: store)
                guard t > record.expiresAt + keep else { continue }
            } else if t <= record.expiresAt {
                continue
            }
            guard let lock = try? FileLock(path: store.lockPath(record.id), blocking: false) else { continue }
            // Under the lock, look again: a PATCH may have just moved it on.
            if let fresh = store.load(record.id), fresh.isComplete == record.isComplete, fresh.expiresAt == record.expiresAt {
                store.remove(record.id)
                removed += 1
                if !record.isComplete {
                    service.metrics.expired.increment()
                    var event = ServeAuditEvent(event: "expired")
                    event.upload = record.id
                    event.project = record.project
                    event.key = record.owner
                    event.offset = record.offset
                    event.size = record.length
                    service.audit.append(event)
                }
            }
            withExtendedLifetime(lock) {}
        }
        for name in store.leftovers(olderThan: 3600, now: now) { FileSystem.removeTree(store.staging + "/" + name) }
        return removed
    }
}
