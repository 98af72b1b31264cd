import Foundation
@testable import MessagesVCR
import NIOSSL
import Testing

/// Recording from an HTTPS upstream: a private CA made here with openssl, trusted with `--upstream-ca`.
@Suite("HTTPS upstreams")
struct HTTPSUpstreamTests {
    /// A CA and a server certificate for 127.0.0.1 signed by it, made with the openssl command.
    static func makeCertificates(in dir: String) throws -> (ca: String, cert: String, key: String) {
        let script = """
            set -e
            cd '\(dir)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=vcr-test-ca 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext.cnf
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl failed")
        return (dir + "/ca.pem", dir + "/server.pem", dir + "/server.key")
    }

    @Test("--upstream https:// with --upstream-ca records from a server whose CA the system does not know; without it, a clear 502")
    func privateCA() async throws {
        let dir = try temporaryDirectory()
        let files = try Self.makeCertificates(in: dir)
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(files.cert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: files.key, format: .pem)))
        let fake = FakeOllama()
        try await fake.runTLS(tls) { upstreamPort in
            var options = ServeOptions(upstream: try UpstreamTarget(url: "https://127.0.0.1:\(upstreamPort)"))
            options.mode = .record
            options.cassetteDirectory = dir
            options.cassette = "https"
            options.upstreamCAFile = files.ca
            let key = "sk-ant-api03-secret-key-for-the-test"
            try await TestServer.runVCR(options) { port, _ in
                let result = try await TestClient.send(port: port, headers: [("x-api-key", key)], body: TestClient.messagesBody(stream: true))
                #expect(result.status == 200, "\(result.text)")
                #expect(result.text.contains("message_stop"))
            }
            // The key went upstream over TLS, and never onto disk.
            #expect(fake.requests.first?.headers.contains { $0.0.lowercased() == "x-api-key" && $0.1 == key } == true)
            let stored = try await CassetteStore(path: dir + "/https.sqlite", mode: .existing).all()
            #expect(stored.count == 1)
            #expect(stored.first?.upstream == "https://127.0.0.1:\(upstreamPort)")
            let file = try Data(contentsOf: URL(fileURLWithPath: dir + "/https.sqlite"))
            #expect(file.range(of: Data(key.utf8)) == nil)

            options.upstreamCAFile = nil
            options.cassette = "untrusted"
            try await TestServer.runVCR(options) { port, _ in
                let refused = try await TestClient.send(port: port, body: TestClient.messagesBody())
                #expect(refused.status == 502)
                #expect(refused.text.contains("messages-vcr: upstream https://127.0.0.1:\(upstreamPort) unreachable"), "\(refused.text)")
                #expect(refused.text.contains("TLS handshake failed: the upstream's certificate is not trusted (CERTIFICATE_VERIFY_FAILED); give its CA with --upstream-ca FILE"), "\(refused.text)")
            }
        }
    }

    @Test("--upstream-ca naming a missing or non-PEM file stops the server with one line")
    func badCAFile() async throws {
        let dir = try temporaryDirectory()
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: dir + "/bad.pem"))
        for (path, message) in [(dir + "/missing.pem", "no such readable file"), (dir + "/bad.pem", "no PEM certificate in it")] {
            var options = try serveOptions(mode: .record, directory: dir)
            options.upstreamCAFile = path
            do {
                _ = try VCRServer(options: options, logger: TestServer.logger) { _ in }
                Issue.record("the server started with --upstream-ca \(path)")
            } catch {
                #expect("\(error)".contains("--upstream-ca \(path): "), "\(error)")
                #expect("\(error)".contains(message) || "\(error)".contains("not a PEM certificate file"), "\(error)")
            }
        }
    }
}
