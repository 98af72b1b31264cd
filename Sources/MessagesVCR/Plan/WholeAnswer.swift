import HTTPTypes

/// An answer written whole (head, body, end), and what is reported of it.
struct WholeAnswer: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: [UInt8]
    var outcome: RequestOutcome
    /// A miss noted in the ``MissLog`` when the answer is carried out (its id goes into the outcome).
    var miss: MissLog.Pending?
    var claim = Claim()
}

extension WholeAnswer {
    /// An answer as `flavor`'s server writes it (``Flavor/stamped(headers:body:)``); `compat`
    /// becomes `x-vcr-compat`.
    init(status: Int, headers: HeaderList, body: [UInt8], flavor: Flavor, compat: String?, outcome: RequestOutcome) {
        var (headers, body) = (headers, body)
        (headers, body) = flavor.stamped(headers: headers, body: body)
        var fields = HTTPConversions.httpFields(headers)
        fields[.contentLength] = String(body.count)
        if let compat { fields[RequestDecider.compatHeader] = compat }
        self.init(status: status, headers: fields, body: body, outcome: outcome)
    }

    /// One of messages-vcr's own errors as an Anthropic-shaped JSON answer
    /// (``HTTPConversions/errorParts(_:status:extraHeaders:flavor:)``).
    init(error: VCRError, status: Int? = nil, extraHeaders: HeaderList = HeaderList(), flavor: Flavor, outcome: RequestOutcome) {
        let (status, headers, body) = HTTPConversions.errorParts(error, status: status, extraHeaders: extraHeaders, flavor: flavor)
        var fields = HTTPConversions.httpFields(headers)
        fields[.contentLength] = String(body.count)
        self.init(status: status, headers: fields, body: body, outcome: outcome)
    }
}
