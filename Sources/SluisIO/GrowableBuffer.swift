/// Grows a raw byte buffer so that it holds at least `needed` bytes: the capacity doubles until
/// it does, the first `used` bytes move to the new memory, and the old memory is released —
/// wiped first when `wipe` is set (buffers that held identifiers). One place for what the row
/// and field buffers of the readers, writers, pipeline and linker all need; growing is rare, so
/// their hot paths keep only the inlined capacity check.
public func growBuffer(_ buffer: inout UnsafeMutableRawPointer, capacity: inout Int, used: Int, needed: Int,
                       alignment: Int, wipe: Bool = false) {
    var newCapacity = max(capacity, 1) * 2
    while newCapacity < needed { newCapacity *= 2 }
    let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: alignment)
    grown.copyMemory(from: buffer, byteCount: used)
    if wipe { buffer.initializeMemory(as: UInt8.self, repeating: 0, count: capacity) }
    buffer.deallocate()
    buffer = grown
    capacity = newCapacity
}
