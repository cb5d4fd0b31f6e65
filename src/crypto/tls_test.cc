#include "crypto/tls.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "crypto/openssl_util.h"

namespace coffer::crypto {
namespace {

namespace fs = std::filesystem;
using internal::SslCtxPtr;
using std::chrono::hours;

// A fresh directory holding a CA, a server leaf signed by it (localhost, 127.0.0.1), a
// client leaf signed by it, an unrelated self-signed certificate, and a second CA.
class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    char tmpl[] = "/tmp/coffer-tls-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto ca = GenerateSelfSigned("Coffer Test CA", {}, {}, hours(24), true);
    ASSERT_TRUE(ca);
    auto server = GenerateSignedBy(*ca, "server", {"localhost"}, {"127.0.0.1"}, hours(24));
    auto client = GenerateSignedBy(*ca, "client", {}, {}, hours(24));
    auto stranger = GenerateSelfSigned("stranger", {"localhost"}, {}, hours(24), false);
    auto other_ca = GenerateSelfSigned("Other CA", {}, {}, hours(24), true);
    ASSERT_TRUE(server && client && stranger && other_ca);
    Write("ca.pem", ca->cert_pem);
    Write("ca-key.pem", ca->key_pem);
    Write("server.pem", server->cert_pem);
    Write("server-key.pem", server->key_pem);
    Write("client.pem", client->cert_pem);
    Write("client-key.pem", client->key_pem);
    Write("stranger.pem", stranger->cert_pem);
    Write("stranger-key.pem", stranger->key_pem);
    Write("other-ca.pem", other_ca->cert_pem);
    Write("garbage.pem", "this is not PEM\n");
  }

  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& contents) {
    std::ofstream(dir_ / name) << contents;
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  TlsServerOptions ServerOptions() const {
    TlsServerOptions o;
    o.cert_file = Path("server.pem");
    o.key_file = Path("server-key.pem");
    return o;
  }
  TlsClientOptions ClientOptions() const {
    TlsClientOptions o;
    o.ca_file = Path("ca.pem");
    o.server_name = "localhost";
    return o;
  }

  SslCtxPtr Server(const TlsServerOptions& o) {
    auto ctx = NewServerTlsContext(o);
    EXPECT_TRUE(ctx) << ctx.error().ToString();
    return SslCtxPtr(ctx ? *ctx : nullptr);
  }
  SslCtxPtr Client(const TlsClientOptions& o) {
    auto ctx = NewClientTlsContext(o);
    EXPECT_TRUE(ctx) << ctx.error().ToString();
    return SslCtxPtr(ctx ? *ctx : nullptr);
  }

  fs::path dir_;
};

struct Outcome {
  bool ok = false;  // both sides completed the handshake and echoed a byte
  int version = 0;
  std::string cipher;
  bool server_saw_client_cert = false;
  std::string server_error, client_error;
};

std::string LastError(SSL* ssl, int ret) {
  int code = SSL_get_error(ssl, ret);
  std::string reason = internal::TakeOpenSslErrors("");
  if (reason.empty()) reason = "SSL_get_error " + std::to_string(code);
  return reason;
}

// Runs a real handshake over a socketpair: the server on its own thread, the client on
// this one. After the handshake the client sends one byte and the server echoes it, so
// a server-side rejection that TLS 1.3 reports after the client's handshake finished
// still shows up as a failure.
Outcome Handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx) {
  Outcome out;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
    out.client_error = "socketpair failed";
    return out;
  }
  timeval timeout{10, 0};
  for (int fd : fds) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));

  bool server_ok = false;
  std::thread server([&] {
    SSL* ssl = SSL_new(server_ctx);
    SSL_set_fd(ssl, fds[0]);
    int ret = SSL_accept(ssl);
    if (ret == 1) {
      out.server_saw_client_cert = SSL_get0_peer_certificate(ssl) != nullptr;
      char c;
      ret = SSL_read(ssl, &c, 1);
      if (ret == 1) ret = SSL_write(ssl, &c, 1);
      server_ok = ret == 1;
    }
    if (!server_ok) out.server_error = LastError(ssl, ret);
    if (server_ok) SSL_shutdown(ssl);
    shutdown(fds[0], SHUT_RDWR);  // unblocks a client still waiting for data
    SSL_free(ssl);
  });

  SSL* ssl = SSL_new(client_ctx);
  SSL_set_fd(ssl, fds[1]);
  SSL_set_tlsext_host_name(ssl, "localhost");
  bool client_ok = false;
  int ret = SSL_connect(ssl);
  if (ret == 1) {
    out.version = SSL_version(ssl);
    out.cipher = SSL_get_cipher_name(ssl);
    char c = 'x';
    ret = SSL_write(ssl, &c, 1);
    if (ret == 1) ret = SSL_read(ssl, &c, 1);
    client_ok = ret == 1 && c == 'x';
  }
  if (!client_ok) out.client_error = LastError(ssl, ret);
  shutdown(fds[1], SHUT_RDWR);
  server.join();
  SSL_free(ssl);
  close(fds[0]);
  close(fds[1]);
  out.ok = server_ok && client_ok;
  return out;
}

// A client that offers nothing newer than TLS 1.1 (OpenSSL needs security level 0 for it).
SslCtxPtr Tls11Client() {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT:@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_1_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  return ctx;
}

void ExpectInvalid(const Result<SSL_CTX*>& r, std::initializer_list<std::string> fragments) {
  if (r) SSL_CTX_free(*r);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  for (const std::string& f : fragments) {
    EXPECT_NE(r.error().message().find(f), std::string::npos)
        << "'" << f << "' not in: " << r.error().message();
  }
}

TEST_F(TlsTest, HandshakeTls13ByDefault) {
  SslCtxPtr server = Server(ServerOptions());
  SslCtxPtr client = Client(ClientOptions());
  Outcome o = Handshake(server.get(), client.get());
  ASSERT_TRUE(o.ok) << o.server_error << " / " << o.client_error;
  EXPECT_EQ(o.version, TLS1_3_VERSION);
  EXPECT_FALSE(o.server_saw_client_cert);
}

TEST_F(TlsTest, HandshakeTls12WhenMaxSaysSo) {
  TlsServerOptions so = ServerOptions();
  so.max_version = "tls12";
  SslCtxPtr server = Server(so);
  SslCtxPtr client = Client(ClientOptions());
  Outcome o = Handshake(server.get(), client.get());
  ASSERT_TRUE(o.ok) << o.server_error << " / " << o.client_error;
  EXPECT_EQ(o.version, TLS1_2_VERSION);
}

TEST_F(TlsTest, RefusesTls11Client) {
  SslCtxPtr server = Server(ServerOptions());
  SslCtxPtr client = Tls11Client();
  Outcome o = Handshake(server.get(), client.get());
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.server_error.find("unsupported protocol"), std::string::npos) << o.server_error;
}

TEST_F(TlsTest, AcceptsTls11WhenMinSaysSo) {
  TlsServerOptions so = ServerOptions();
  so.min_version = "tls11";
  SslCtxPtr server = Server(so);
  SslCtxPtr client = Tls11Client();
  Outcome o = Handshake(server.get(), client.get());
  ASSERT_TRUE(o.ok) << o.server_error << " / " << o.client_error;
  EXPECT_EQ(o.version, TLS1_1_VERSION);
}

TEST_F(TlsTest, CipherSuitesByGoName) {
  TlsServerOptions so = ServerOptions();
  so.max_version = "tls12";
  so.cipher_suites = {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"};
  SslCtxPtr server = Server(so);
  SslCtxPtr client = Client(ClientOptions());
  Outcome o = Handshake(server.get(), client.get());
  ASSERT_TRUE(o.ok) << o.server_error << " / " << o.client_error;
  EXPECT_EQ(o.cipher, "ECDHE-ECDSA-AES256-GCM-SHA384");

  so.max_version = "tls13";
  so.cipher_suites = {"TLS_CHACHA20_POLY1305_SHA256"};
  server = Server(so);
  o = Handshake(server.get(), client.get());
  ASSERT_TRUE(o.ok) << o.server_error << " / " << o.client_error;
  EXPECT_EQ(o.version, TLS1_3_VERSION);
  EXPECT_EQ(o.cipher, "TLS_CHACHA20_POLY1305_SHA256");
}

TEST_F(TlsTest, ServerOptionErrors) {
  TlsServerOptions o = ServerOptions();
  o.cipher_suites = {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_BOGUS_WITH_ROT13"};
  ExpectInvalid(NewServerTlsContext(o), {"TLS_BOGUS_WITH_ROT13"});
  o.cipher_suites = {"TLS_RSA_WITH_RC4_128_SHA"};
  ExpectInvalid(NewServerTlsContext(o), {"TLS_RSA_WITH_RC4_128_SHA", "insecure"});

  o = ServerOptions();
  o.min_version = "tls14";
  ExpectInvalid(NewServerTlsContext(o), {"tls_min_version", "tls14"});
  o.min_version = "tls13";
  o.max_version = "tls12";
  ExpectInvalid(NewServerTlsContext(o), {"greater than"});

  o = ServerOptions();
  o.cert_file = Path("missing.pem");
  ExpectInvalid(NewServerTlsContext(o), {Path("missing.pem"), "No such file or directory"});
  o = ServerOptions();
  o.key_file = Path("missing-key.pem");
  ExpectInvalid(NewServerTlsContext(o), {Path("missing-key.pem"), "No such file"});
  o = ServerOptions();
  o.cert_file = Path("garbage.pem");
  ExpectInvalid(NewServerTlsContext(o), {Path("garbage.pem"), "no start line"});
  o = ServerOptions();
  o.key_file = Path("ca-key.pem");  // a valid key, but not the certificate's
  ExpectInvalid(NewServerTlsContext(o), {Path("ca-key.pem"), Path("server.pem"), "does not match"});

  o = ServerOptions();
  o.disable_client_certs = true;
  o.require_client_cert = true;
  ExpectInvalid(NewServerTlsContext(o), {"mutually exclusive"});
  o = ServerOptions();
  o.client_ca_file = Path("missing-ca.pem");
  ExpectInvalid(NewServerTlsContext(o), {Path("missing-ca.pem")});
  // Nothing is left on this thread's error queue to confuse a later SSL call.
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST_F(TlsTest, RequestedClientCertIsAcceptedUnverified) {
  SslCtxPtr server = Server(ServerOptions());
  TlsClientOptions co = ClientOptions();
  co.client_cert_file = Path("stranger.pem");
  co.client_key_file = Path("stranger-key.pem");
  Outcome o = Handshake(server.get(), Client(co).get());
  ASSERT_TRUE(o.ok) << o.server_error << " / " << o.client_error;
  EXPECT_TRUE(o.server_saw_client_cert);
}

TEST_F(TlsTest, DisabledClientCertsAreNotRequested) {
  TlsServerOptions so = ServerOptions();
  so.disable_client_certs = true;
  SslCtxPtr server = Server(so);
  TlsClientOptions co = ClientOptions();
  co.client_cert_file = Path("client.pem");
  co.client_key_file = Path("client-key.pem");
  Outcome o = Handshake(server.get(), Client(co).get());
  ASSERT_TRUE(o.ok) << o.server_error << " / " << o.client_error;
  EXPECT_FALSE(o.server_saw_client_cert);
}

TEST_F(TlsTest, RequiredClientCertIsVerified) {
  TlsServerOptions so = ServerOptions();
  so.require_client_cert = true;
  so.client_ca_file = Path("ca.pem");
  SslCtxPtr server = Server(so);

  TlsClientOptions co = ClientOptions();
  co.client_cert_file = Path("client.pem");
  co.client_key_file = Path("client-key.pem");
  Outcome good = Handshake(server.get(), Client(co).get());
  ASSERT_TRUE(good.ok) << good.server_error << " / " << good.client_error;
  EXPECT_TRUE(good.server_saw_client_cert);

  Outcome none = Handshake(server.get(), Client(ClientOptions()).get());
  EXPECT_FALSE(none.ok);
  EXPECT_NE(none.server_error.find("peer did not return a certificate"), std::string::npos)
      << none.server_error;

  co.client_cert_file = Path("stranger.pem");
  co.client_key_file = Path("stranger-key.pem");
  Outcome stranger = Handshake(server.get(), Client(co).get());
  EXPECT_FALSE(stranger.ok);
  EXPECT_NE(stranger.server_error.find("certificate verify failed"), std::string::npos)
      << stranger.server_error;
}

TEST_F(TlsTest, ClientVerifiesServer) {
  SslCtxPtr server = Server(ServerOptions());

  TlsClientOptions co = ClientOptions();
  co.ca_file = Path("other-ca.pem");
  Outcome wrong_ca = Handshake(server.get(), Client(co).get());
  EXPECT_FALSE(wrong_ca.ok);
  EXPECT_NE(wrong_ca.client_error.find("certificate verify failed"), std::string::npos)
      << wrong_ca.client_error;

  co = ClientOptions();
  co.server_name = "vault.example.com";
  Outcome wrong_name = Handshake(server.get(), Client(co).get());
  EXPECT_FALSE(wrong_name.ok);

  co.server_name = "127.0.0.1";
  Outcome ip = Handshake(server.get(), Client(co).get());
  EXPECT_TRUE(ip.ok) << ip.client_error;
  co.server_name = "127.0.0.2";
  EXPECT_FALSE(Handshake(server.get(), Client(co).get()).ok);

  TlsClientOptions insecure;
  insecure.insecure_skip_verify = true;
  Outcome skip = Handshake(server.get(), Client(insecure).get());
  EXPECT_TRUE(skip.ok) << skip.client_error;
}

TEST_F(TlsTest, SelfSignedLeafTrustsItself) {
  // Dev mode: one self-signed certificate is both the server's and the client's CA file.
  TlsServerOptions so;
  so.cert_file = Path("stranger.pem");
  so.key_file = Path("stranger-key.pem");
  SslCtxPtr server = Server(so);
  TlsClientOptions co;
  co.ca_file = Path("stranger.pem");
  co.server_name = "localhost";
  Outcome o = Handshake(server.get(), Client(co).get());
  EXPECT_TRUE(o.ok) << o.server_error << " / " << o.client_error;
}

TEST_F(TlsTest, ClientOptionErrors) {
  TlsClientOptions co = ClientOptions();
  co.client_cert_file = Path("client.pem");
  ExpectInvalid(NewClientTlsContext(co), {"together"});
  co = ClientOptions();
  co.ca_file = Path("missing-ca.pem");
  ExpectInvalid(NewClientTlsContext(co), {Path("missing-ca.pem"), "No such file"});
  co = ClientOptions();
  co.ca_file = Path("garbage.pem");
  ExpectInvalid(NewClientTlsContext(co), {Path("garbage.pem")});
  co = ClientOptions();
  co.client_cert_file = Path("client.pem");
  co.client_key_file = Path("server-key.pem");
  ExpectInvalid(NewClientTlsContext(co), {"does not match"});
}

}  // namespace
}  // namespace coffer::crypto
