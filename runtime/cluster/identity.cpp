#include "runtime/cluster/identity.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace agentrt::cluster {

namespace {

template <class T, void (*Free)(T*)>
struct freer {
  void operator()(T* p) const { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, freer<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, freer<X509, X509_free>>;

bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named `cn`, signed by `issuer_key` (its own when `issuer` is null).
x509_ptr make_certificate(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
                          bool ca) {
  x509_ptr cert{X509_new()};
  if (!cert) return nullptr;
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return nullptr;
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  bool ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr;
  BN_free(bn);
  X509_NAME* name = X509_get_subject_name(cert.get());
  ok = ok && X509_set_version(cert.get(), 2) == 1 &&
       X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
       X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600) != nullptr &&
       X509_set_pubkey(cert.get(), key) == 1 &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                  0) == 1 &&
       X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name) == 1;
  X509* signer = issuer ? issuer : cert.get();
  if (ca) {
    ok = ok && add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE") &&
         add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    ok =
      ok && add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
      add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth") &&
      add_extension(cert.get(), signer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  }
  ok = ok && X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0;
  return ok ? std::move(cert) : nullptr;
}

// Writes a new file of mode 0600 (it must not exist: a half-made identity is removed first).
template <class Write>
bool write_private(const std::string& path, Write write) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return false;
  FILE* f = fdopen(fd, "w");
  if (f == nullptr) {
    close(fd);
    return false;
  }
  bool ok = write(f);
  ok = std::fclose(f) == 0 && ok;
  return ok;
}

std::string make_identity(const std::string& dir, const identity_files& files) {
  // RSA as scripts/make-dev-certs makes: what CAF's openssl module is tested with.
  pkey_ptr ca_key{EVP_RSA_gen(2048)};
  pkey_ptr key{EVP_RSA_gen(2048)};
  if (!ca_key || !key) return "cannot generate keys";
  std::string who = "uid " + std::to_string(getuid());
  auto ca = make_certificate(ca_key.get(), "agentrt CA of " + who, nullptr, ca_key.get(), true);
  if (!ca) return "cannot make the CA certificate";
  auto cert = make_certificate(key.get(), "agentrt " + who, ca.get(), ca_key.get(), false);
  if (!cert) return "cannot make the certificate";
  // The CA's key is not kept: nothing else is ever signed with it.
  std::string tmp = dir + "/.new";
  std::filesystem::remove_all(tmp);
  if (mkdir(tmp.c_str(), 0700) != 0) return "cannot create " + tmp + ": " + std::strerror(errno);
  bool ok =
    write_private(tmp + "/ca.pem", [&](FILE* f) { return PEM_write_X509(f, ca.get()) == 1; }) &&
    write_private(tmp + "/peer.pem", [&](FILE* f) { return PEM_write_X509(f, cert.get()) == 1; }) &&
    write_private(tmp + "/peer.key", [&](FILE* f) {
      return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    });
  // The key goes last: its presence says the identity is whole.
  ok = ok && std::rename((tmp + "/ca.pem").c_str(), files.ca.c_str()) == 0 &&
       std::rename((tmp + "/peer.pem").c_str(), files.certificate.c_str()) == 0 &&
       std::rename((tmp + "/peer.key").c_str(), files.key.c_str()) == 0;
  std::filesystem::remove_all(tmp);
  return ok ? std::string{} : "cannot write the identity in " + dir + ": " + std::strerror(errno);
}

// Only this user may own and read it.
std::string check_private_dir(const std::string& dir) {
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) return "cannot read " + dir + ": " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return dir + " is not a directory";
  if (st.st_uid != getuid()) return dir + " belongs to another user";
  if ((st.st_mode & 077) != 0) return dir + " may be read by other users (chmod 700 it)";
  return {};
}

}  // namespace

identity_files user_identity(const std::string& dir) {
  identity_files files{dir + "/peer.pem", dir + "/peer.key", dir + "/ca.pem", {}};
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path{dir}.parent_path(), ec);
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    files.error = "cannot create " + dir + ": " + std::strerror(errno);
    return files;
  }
  if (auto problem = check_private_dir(dir); !problem.empty()) {
    files.error = problem;
    return files;
  }
  int lock = open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    files.error = "cannot lock " + dir + "/.lock: " + std::strerror(errno);
    if (lock >= 0) close(lock);
    return files;
  }
  if (access(files.key.c_str(), R_OK) != 0) files.error = make_identity(dir, files);
  close(lock);
  return files;
}

}  // namespace agentrt::cluster
