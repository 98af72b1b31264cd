import Logging

/// `--accept-drift`: a recording that answered a drifted request takes that request as its own,
/// stored as a recorded one is (``ExchangeRecorder/storedRequest(_:)``: transport headers and
/// secrets dropped), so the next run matches it without drift.
struct DriftAcceptor: Sendable {
    let engine: ReplayEngine
    let recorder: ExchangeRecorder
    let logger: Logger

    /// Rewrites the recording in its own transaction, off the event loop; a failure is logged and
    /// leaves the recording as it was.
    func accept(_ acceptance: Playback.Acceptance, drift: Drift?) {
        let request = recorder.storedRequest(acceptance.request), fingerprint = engine.rulesFingerprint
        let engine = self.engine, logger = self.logger
        Task {
            do {
                try await acceptance.store.replaceRequest(
                    id: acceptance.recordingID, with: request, matchKey: acceptance.key, matchRulesFingerprint: fingerprint)
                engine.forget(acceptance.recordingID, in: acceptance.store)
                logger.notice("accepted drift: recording \(acceptance.recordingID) now holds the request received (\(drift?.description ?? ""))")
            } catch {
                logger.error("recording \(acceptance.recordingID) keeps its request: \(VCRError.from(error).message)")
            }
        }
    }
}
