// CAF 0.17's TLS sessions (libcaf_openssl/src/session.cpp) call SSL_get_error after a failed
// SSL_read, SSL_write, SSL_connect or SSL_accept and never clear OpenSSL's error queue, which is
// per thread. Once one connection fails with an error on the queue (a node killed without a TLS
// close_notify is "unexpected eof while reading" in OpenSSL 3), every other connection of the
// middleman's thread reads that stale error at its next would-block, and is closed: killing one
// node lost all of them (Cluster.AKilledNodeFails... saw it). OpenSSL requires an empty queue
// before each of these calls ("or SSL_get_error() will not work reliably"), so these definitions
// interpose the four calls (the executable exports them, see CMakeLists.txt), empty the queue and
// call OpenSSL's own.

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto real = next<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto real = next<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_connect(SSL* ssl) {
  static auto real = next<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

int SSL_accept(SSL* ssl) {
  static auto real = next<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

}  // extern "C"

namespace agentrt::cluster {

// Referenced by the runtime, so that a static link keeps this object and its definitions.
void use_clean_openssl_error_queue() {}

}  // namespace agentrt::cluster
