import Testing

/// Suites that load the machine (fuzzing, crashes, hundreds of connections) or measure time:
/// they run one after another so that the timing checks are not starved by the load tests.
@Suite("Load-sensitive", .serialized)
enum LoadSensitiveTests {}
