import Foundation
import SluisCore

/// Uploads several packages, at most `concurrency` at a time, each on its own: one package's
/// failure does not stop the others. Results come back in the order the packages were given.
public struct UploadSession: Sendable {
    /// One package's result: its upload result, or the error that stopped it.
    public enum Item: Sendable {
        case done(UploadResult)
        case failed(path: String, error: any SluisError)
    }

    let uploader: PackageUploader
    let concurrency: Int

    /// A session sending at most `concurrency` packages at once (at least 1).
    public init(uploader: PackageUploader, concurrency: Int) {
        self.uploader = uploader
        self.concurrency = max(1, concurrency)
    }

    /// Sends every package in `paths` and returns one item per path, in order.
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
        // Every index below paths.count was started and awaited by the loops above.
        return items.map { item in
            guard let item else { preconditionFailure("an upload finished without a result") }
            return item
        }
    }
}
