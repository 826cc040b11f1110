import FuzzTargets

/// libFuzzer's entry point (built with `-sanitize=fuzzer` by `.ci/fuzz`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.webhookSignature.check(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if !FUZZING
@main struct Replay {
    static func main() { FuzzTarget.webhookSignature.replay(Array(CommandLine.arguments.dropFirst())) }
}
#endif
