import Prometheus

/// The Prometheus metrics of `/metrics` (docs/serve.md, "Operations"): counts and sizes only.
public final class ServeMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry = PrometheusCollectorRegistry()
    let created: Counter
    let completed: Counter
    let bytesReceived: Counter
    let expired: Counter
    let activePatches: Gauge
    let patchDuration: DurationHistogram
    let verifyDuration: DurationHistogram
    private let refusalCounters: [Int: Counter]

    /// The statuses counted under `sluis_serve_refusals_total{status=…}`.
    static let refusalStatuses = [400, 401, 403, 404, 409, 412, 413, 415, 422, 423, 429, 460, 500]

    /// Registers every counter, gauge and histogram once, at start.
    public init() {
        created = registry.makeCounter(name: "sluis_serve_uploads_created_total", help: "Uploads created (POST).")
        completed = registry.makeCounter(name: "sluis_serve_uploads_completed_total", help: "Uploads verified and moved into the inbox.")
        bytesReceived = registry.makeCounter(name: "sluis_serve_bytes_received_total", help: "Upload bytes made durable.")
        expired = registry.makeCounter(name: "sluis_serve_uploads_expired_total", help: "Unfinished uploads removed by the sweeper.")
        activePatches = registry.makeGauge(name: "sluis_serve_patches_in_progress", help: "PATCH requests being received.")
        let buckets: [Duration] = [.milliseconds(10), .milliseconds(50), .milliseconds(250), .seconds(1), .seconds(5), .seconds(30), .seconds(120)]
        patchDuration = registry.makeDurationHistogram(name: "sluis_serve_patch_duration_seconds", buckets: buckets,
                                                       help: "Time to receive and fsync one PATCH.")
        verifyDuration = registry.makeDurationHistogram(name: "sluis_serve_verify_duration_seconds", buckets: buckets,
                                                        help: "Time to verify a complete package and move it into the inbox.")
        var counters: [Int: Counter] = [:]
        for status in Self.refusalStatuses {
            counters[status] = registry.makeCounter(name: "sluis_serve_refusals_total", labels: [("status", String(status))],
                                                    help: "Requests refused, by HTTP status.")
        }
        refusalCounters = counters
    }

    func refused(status: Int) { refusalCounters[status]?.increment() }

    /// The Prometheus text exposition of every metric, for `/metrics`.
    public func text() -> [UInt8] { registry.emitToBuffer() }
}
