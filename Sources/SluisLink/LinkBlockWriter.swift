import SluisCore
import SluisFormats

/// The writing half of `TableLinker.linkRows`: looks a block up when the reader left it, then
/// assembles each linked row — kept columns, RINPERSOONS, RINPERSOON or a surrogate — and writes
/// it to the sink. Runs on the hand-off's thread only; owns its scratch buffers.
final class LinkBlockWriter: @unchecked Sendable {
    /// The writing thread's lookups (its counts join the reader's at the end).
    let stage: LinkLookupStage
    /// Rows written so far.
    private(set) var rows = 0
    private let sink: RowSink
    private var assembler: LinkRowAssembler
    private let slots: [LinkPlan.Slot]
    private let rinWidth: Int
    private let surrogates: SurrogateGenerator
    private let keyDomainPrefixes: [[UInt8]]
    // The RINPERSOONS codes as one flat buffer (no array retained per row); the last is the unmatched code.
    private let codeOffsets: Scratch<Int>
    private let codeBytes: Scratch<UInt8>
    private let unmatchedCodeIndex: Int

    init(plan: LinkPlan, index: RegisterIndex, unmatchedCode: [UInt8], surrogates: SurrogateGenerator, sink: RowSink) {
        stage = LinkLookupStage(plan: plan, index: index)
        self.sink = sink
        assembler = LinkRowAssembler(fieldCount: plan.slots.count)
        slots = plan.slots
        rinWidth = index.rinWidth
        self.surrogates = surrogates
        keyDomainPrefixes = stage.keyDomainPrefixes
        let codeList = index.codes + [unmatchedCode]
        unmatchedCodeIndex = codeList.count - 1
        codeOffsets = Scratch<Int>(count: codeList.count + 1, value: 0)
        for (i, c) in codeList.enumerated() { codeOffsets[i + 1] = codeOffsets[i] + c.count }
        codeBytes = Scratch<UInt8>(count: codeOffsets[codeList.count], value: 0)
        for (i, c) in codeList.enumerated() { for (j, b) in c.enumerated() { codeBytes[codeOffsets[i] + j] = b } }
    }

    deinit {
        assembler.deallocate()
        codeOffsets.free()
        codeBytes.free()
    }

    /// Looks `block` up unless the reader did, and writes its rows.
    func write(_ block: LinkBlock) throws {
        if !block.lookedUp { stage.lookUp(block) }
        // Locals for the hot loop: no class-property loads or exclusivity checks per field.
        var assembler = self.assembler
        defer { self.assembler = assembler }
        let capacity = LinkRowBlock.rowCapacity
        let slots = self.slots, sink = self.sink, surrogates = self.surrogates, keyDomainPrefixes = self.keyDomainPrefixes
        let rinWidth = self.rinWidth, surrogateWidth = surrogates.width, unmatchedCodeIndex = self.unmatchedCodeIndex
        let codeOffsets = self.codeOffsets, codeBytes = self.codeBytes
        let notFound = PseudonymIndex.notFound
        let n = block.rows.count
        let rowFields = block.rows.fields
        let found = block.found, fallbackKey = block.fallbackKey, fallbackIndex = block.fallbackIndex
        for r in 0..<n {
            assembler.reset()
            for slot in slots {
                switch slot {
                case let .kept(c):
                    assembler.append(rowFields.field(r, c))
                case let .personCode(p):
                    let payload = found[p * capacity + r]
                    let code = payload != notFound ? RegisterPerson(packed: payload).codeIndex : unmatchedCodeIndex
                    assembler.append(UnsafeRawBufferPointer(start: codeBytes.pointer + codeOffsets[code], count: codeOffsets[code + 1] - codeOffsets[code]))
                case let .personRIN(p):
                    let payload = found[p * capacity + r]
                    if payload != notFound {
                        assembler.append(count: rinWidth) { writeDigits(RegisterPerson(packed: payload).rin, into: $0) }
                    } else if fallbackIndex[p * capacity + r] >= 0 {
                        let key = fallbackKey[p * capacity + r]
                        keyDomainPrefixes[fallbackIndex[p * capacity + r]].withUnsafeBytes { prefix in
                            assembler.append(count: surrogateWidth) { surrogates.surrogate(domainPrefix: prefix, key: key, into: $0) }
                        }
                    } else {
                        assembler.append(count: 0) { _ in }
                    }
                }
            }
            try sink.writeRow(assembler.view)
        }
        rows += n
    }
}
