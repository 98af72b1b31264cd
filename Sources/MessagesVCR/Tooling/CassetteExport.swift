import Foundation

/// The reviewable JSON twin of a cassette: deterministic, pretty, one entry per interaction and one
/// line per response chunk, bodies as text (or base64 when they are not valid UTF-8).
///
/// ```json
/// {
///   "format": "messages-vcr cassette",
///   "format_version": 1,
///   "interactions": [
///     {
///       "id": "3f2a9c1b7d04", "seq": 1, "recorded_at": "…", "source": "recorded", "outcome": "complete",
///       "request": {"method": "POST", "path": "/v1/messages", "headers": [["content-type", "application/json"]], "body": "{…}"},
///       "response": {"status": 200, "headers": […], "ttfb_ns": 312000000, "duration_ns": …,
///                    "chunks": [{"offset_ns": 312000000, "text": "event: message_start\ndata: …\n\n"}, …]}
///     }
///   ]
/// }
/// ```
/// SSE frames are not exported: importing re-parses them from the chunks, exactly as recording did,
/// so export → import → export gives the same bytes.
public enum CassetteExport {
    /// The `format` value.
    static let formatName = "messages-vcr cassette"

    /// Why an export could not be read.
    public struct DecodeError: Error, CustomStringConvertible {
        /// One line.
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// What an export holds.
    public struct Document: Sendable {
        /// The interactions, in sequence order.
        public var interactions: [Interaction]
        /// The synthesis rules, in order.
        public var rules: [SynthesisRule]
    }

    /// The export document of `interactions` and `rules` (in the order given).
    public static func encode(_ interactions: [Interaction], rules: [SynthesisRule] = []) -> [UInt8] {
        var members: [JSONMember] = [
            JSONMember("format", .string(formatName)),
            JSONMember("format_version", .int(CassetteSchema.formatVersion)),
            JSONMember("interactions", .array(interactions.map(entry))),
        ]
        if !rules.isEmpty {
            members.append(JSONMember("rules", .array(rules.map { rule in
                .object([JSONMember("id", .string(rule.id)), JSONMember("seq", .int(rule.seq)), JSONMember("seed", .int(rule.seed))]
                    + (rule.definition.objectMembers ?? []))
            })))
        }
        return PrettyJSONWriter.encode(.object(members))
    }

    /// The interactions (frames re-parsed from the chunks) and rules of an export document.
    /// - Throws: ``DecodeError`` naming the interaction and field at fault.
    public static func decode(_ bytes: [UInt8]) throws -> Document {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw DecodeError("not JSON: \(error.message) at byte \(error.offset)")
        }
        guard document["format"]?.stringValue == formatName else {
            throw DecodeError("not a messages-vcr cassette export (no \"format\": \"\(formatName)\")")
        }
        let version = document["format_version"]?.intValue ?? 0
        guard version <= CassetteSchema.formatVersion else {
            throw DecodeError("written by a newer messages-vcr (format \(version); this build reads format \(CassetteSchema.formatVersion))")
        }
        guard let entries = document["interactions"]?.arrayValue else { throw DecodeError("\"interactions\" is not an array") }
        let interactions = try entries.enumerated().map { index, entry in
            do {
                return try interaction(from: entry)
            } catch let error as DecodeError {
                throw DecodeError("interaction \(index + 1) (\(entry["id"]?.stringValue ?? "no id")): \(error.description)")
            }
        }
        let rules = try (document["rules"]?.arrayValue ?? []).enumerated().map { index, entry in
            do {
                let definition = JSONValue.object((entry.objectMembers ?? []).filter { !["id", "seq", "seed"].contains($0.key) })
                return try SynthesisRule(
                    id: try required(entry["id"]?.stringValue, "id"), seq: try required(entry["seq"]?.intValue, "seq"),
                    seed: try required(entry["seed"].flatMap { value -> UInt64? in
                        if case .number(let literal) = value { return UInt64(literal) }
                        return nil
                    }, "seed"), definition: definition)
            } catch let error as OllamaAnswer.ParseError {
                throw DecodeError("rule \(index + 1): \(error.description)")
            } catch let error as DecodeError {
                throw DecodeError("rule \(index + 1): \(error.description)")
            }
        }
        return Document(interactions: interactions, rules: rules)
    }

    // MARK: - Encoding

    private static func entry(_ interaction: Interaction) -> JSONValue {
        let request = interaction.request, response = interaction.response
        var requestMembers: [JSONMember] = [JSONMember("method", .string(request.method)), JSONMember("path", .string(request.path))]
        if let query = request.query { requestMembers.append(JSONMember("query", .string(query))) }
        requestMembers.append(JSONMember("headers", headers(request.headers)))
        requestMembers += body(request.body[...], textKey: "body", base64Key: "body_base64")

        var responseMembers: [JSONMember] = []
        if let status = response.status { responseMembers.append(JSONMember("status", .int(status))) }
        responseMembers.append(JSONMember("headers", headers(response.headers)))
        if let ttfb = response.ttfbNanos { responseMembers.append(JSONMember("ttfb_ns", .int(ttfb))) }
        responseMembers.append(JSONMember("duration_ns", .int(response.durationNanos)))
        responseMembers.append(JSONMember("chunks", .array(response.chunks.map { chunk in
            .object([JSONMember("offset_ns", .int(chunk.offsetNanos))] + body(response.bytes(of: chunk), textKey: "text", base64Key: "base64"))
        })))

        var members: [JSONMember] = [
            JSONMember("id", .string(interaction.id)),
            JSONMember("seq", .int(interaction.seq)),
            JSONMember("recorded_at", .string(InteractionCoding.formatDate(interaction.recordedAt))),
            JSONMember("source", .string(interaction.source.rawValue)),
        ]
        if let upstream = interaction.upstream { members.append(JSONMember("upstream", .string(upstream))) }
        if let session = interaction.session { members.append(JSONMember("session", .string(session))) }
        members.append(JSONMember("outcome", .string(response.outcome.rawValue)))
        if let error = response.errorMessage { members.append(JSONMember("error", .string(error))) }
        members.append(JSONMember("request", .object(requestMembers)))
        members.append(JSONMember("response", .object(responseMembers)))
        return .object(members)
    }

    private static func headers(_ list: HeaderList) -> JSONValue {
        .array(list.fields.map { .array([.string($0.name), .string($0.value)]) })
    }

    private static func body(_ bytes: ArraySlice<UInt8>, textKey: String, base64Key: String) -> [JSONMember] {
        if let text = String(validating: bytes, as: UTF8.self) { return [JSONMember(textKey, .string(text))] }
        return [JSONMember(base64Key, .string(Data(bytes).base64EncodedString()))]
    }

    // MARK: - Decoding

    private static func required<T>(_ value: T?, _ field: String) throws -> T {
        guard let value else { throw DecodeError("\"\(field)\" is missing or has the wrong type") }
        return value
    }

    private static func bytes(_ object: JSONValue, textKey: String, base64Key: String) throws -> [UInt8] {
        if let text = object[textKey]?.stringValue { return Array(text.utf8) }
        if let encoded = object[base64Key]?.stringValue {
            guard let data = Data(base64Encoded: encoded) else { throw DecodeError("\"\(base64Key)\" is not base64") }
            return [UInt8](data)
        }
        return []
    }

    private static func headerList(_ value: JSONValue?, _ field: String) throws -> HeaderList {
        let pairs = try required(value?.arrayValue, field)
        return HeaderList(try pairs.map { pair in
            guard let name = pair[0]?.stringValue, let value = pair[1]?.stringValue else {
                throw DecodeError("\"\(field)\" holds something other than [name, value] pairs")
            }
            return HeaderList.Field(name: name, value: value)
        })
    }

    private static func interaction(from entry: JSONValue) throws -> Interaction {
        let requestValue = try required(entry["request"], "request")
        let responseValue = try required(entry["response"], "response")
        let request = RecordedRequest(
            method: try required(requestValue["method"]?.stringValue, "request.method"),
            path: try required(requestValue["path"]?.stringValue, "request.path"),
            query: requestValue["query"]?.stringValue,
            headers: try headerList(requestValue["headers"], "request.headers"),
            body: try bytes(requestValue, textKey: "body", base64Key: "body_base64"))
        let outcomeText = try required(entry["outcome"]?.stringValue, "outcome")
        guard let outcome = Outcome(rawValue: outcomeText) else { throw DecodeError("unknown outcome \"\(outcomeText)\"") }
        let headers = try headerList(responseValue["headers"], "response.headers")
        let duration = UInt64(try required(responseValue["duration_ns"]?.intValue, "response.duration_ns"))
        let error = entry["error"]?.stringValue
        let response: RecordedResponse
        if let status = responseValue["status"]?.intValue {
            var capture = ResponseCapture(status: status, headers: headers, ttfbNanos: UInt64(responseValue["ttfb_ns"]?.intValue ?? 0))
            for chunk in try required(responseValue["chunks"]?.arrayValue, "response.chunks") {
                let offset = UInt64(try required(chunk["offset_ns"]?.intValue, "response.chunks[].offset_ns"))
                capture.append(try bytes(chunk, textKey: "text", base64Key: "base64"), offsetNanos: offset)
            }
            response = capture.finish(outcome: outcome, durationNanos: duration, errorMessage: error)
        } else {
            response = RecordedResponse(
                status: nil, headers: headers, body: [], chunks: [], frames: [], ttfbNanos: nil, durationNanos: duration,
                outcome: outcome, errorMessage: error)
        }
        let sourceText = entry["source"]?.stringValue ?? InteractionSource.recorded.rawValue
        return Interaction(
            id: try required(entry["id"]?.stringValue, "id"),
            seq: try required(entry["seq"]?.intValue, "seq"),
            recordedAt: InteractionCoding.parseDate(try required(entry["recorded_at"]?.stringValue, "recorded_at")),
            source: InteractionSource(rawValue: sourceText) ?? .recorded,
            upstream: entry["upstream"]?.stringValue, request: request, response: response, session: entry["session"]?.stringValue)
    }
}
