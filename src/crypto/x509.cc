// X.509 helpers (declared in tls.h): ECDSA P-256 keys, self-signed and CA-signed
// certificates, and reading notAfter.

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

#include "crypto/openssl_util.h"
#include "crypto/tls.h"

namespace coffer::crypto {

namespace {

using internal::BioPtr;
using internal::Deleter;
using internal::EvpPkeyPtr;
using internal::TakeOpenSslErrors;
using internal::X509Ptr;

int NoPassphrase(char*, int, int, void*) { return 0; }

Status OpenSslFailure(const std::string& what) {
  return Internal(what + ": " + TakeOpenSslErrors());
}

Result<std::string> BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len < 0 || data == nullptr) return Err(OpenSslFailure("reading PEM output"));
  return std::string(data, static_cast<size_t>(len));
}

Result<X509Ptr> ParseCertificate(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Err(OpenSslFailure("BIO_new_mem_buf"));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!cert) return Err(InvalidArgument("invalid PEM certificate: " + TakeOpenSslErrors()));
  return cert;
}

Result<EvpPkeyPtr> ParsePrivateKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Err(OpenSslFailure("BIO_new_mem_buf"));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) return Err(InvalidArgument("invalid PEM private key: " + TakeOpenSslErrors()));
  return key;
}

Result<EvpPkeyPtr> NewP256Key() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Err(OpenSslFailure("generating P-256 key"));
  return key;
}

// One extension from OpenSSL's config syntax; `value` is always a fixed string here,
// never user input.
Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return OpenSslFailure(std::string("building extension ") + value);
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return OpenSslFailure("adding extension");
  return Status::Ok();
}

// subjectAltName built element by element, so names cannot smuggle in config syntax.
Status AddSubjectAltNames(X509* cert, const std::vector<std::string>& dns,
                          const std::vector<std::string>& ips) {
  if (dns.empty() && ips.empty()) return Status::Ok();
  std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>> names(
      GENERAL_NAMES_new());
  if (!names) return OpenSslFailure("GENERAL_NAMES_new");
  for (const std::string& d : dns) {
    if (d.empty()) return InvalidArgument("empty DNS subject alternative name");
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    if (s == nullptr || ASN1_STRING_set(s, d.data(), static_cast<int>(d.size())) != 1) {
      ASN1_IA5STRING_free(s);
      return OpenSslFailure("DNS subject alternative name");
    }
    GENERAL_NAME* gn = GENERAL_NAME_new();
    if (gn == nullptr) {
      ASN1_IA5STRING_free(s);
      return OpenSslFailure("GENERAL_NAME_new");
    }
    GENERAL_NAME_set0_value(gn, GEN_DNS, s);
    if (sk_GENERAL_NAME_push(names.get(), gn) == 0) {
      GENERAL_NAME_free(gn);
      return OpenSslFailure("adding DNS subject alternative name");
    }
  }
  for (const std::string& ip : ips) {
    ASN1_OCTET_STRING* addr = a2i_IPADDRESS(ip.c_str());
    if (addr == nullptr) {
      ERR_clear_error();
      return InvalidArgument("invalid IP subject alternative name \"" + ip + "\"");
    }
    GENERAL_NAME* gn = GENERAL_NAME_new();
    if (gn == nullptr) {
      ASN1_OCTET_STRING_free(addr);
      return OpenSslFailure("GENERAL_NAME_new");
    }
    GENERAL_NAME_set0_value(gn, GEN_IPADD, addr);
    if (sk_GENERAL_NAME_push(names.get(), gn) == 0) {
      GENERAL_NAME_free(gn);
      return OpenSslFailure("adding IP subject alternative name");
    }
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslFailure("adding subjectAltName");
  }
  return Status::Ok();
}

struct CertSpec {
  const std::string& common_name;
  const std::vector<std::string>& dns_sans;
  const std::vector<std::string>& ip_sans;
  std::chrono::hours validity;
  bool is_ca;
};

// Builds and signs a certificate for subject_key. issuer/issuer_key are null for a
// self-signed certificate.
Result<CertKeyPem> BuildCertificate(const CertSpec& spec, EVP_PKEY* subject_key, X509* issuer,
                                    EVP_PKEY* issuer_key) {
  if (spec.validity.count() <= 0) return Err(InvalidArgument("certificate validity must be > 0"));
  X509Ptr cert(X509_new());
  if (!cert) return Err(OpenSslFailure("X509_new"));
  X509* c = cert.get();
  X509* signer = issuer != nullptr ? issuer : c;
  EVP_PKEY* signing_key = issuer_key != nullptr ? issuer_key : subject_key;

  // A random positive 127-bit serial number, as RFC 5280 and the CA/B forum want.
  std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(c)) == nullptr) {
    return Err(OpenSslFailure("certificate serial number"));
  }
  const long hours = static_cast<long>(spec.validity.count());
  if (X509_set_version(c, X509_VERSION_3) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(c), -60) == nullptr ||  // tolerate clock skew
      X509_time_adj_ex(X509_getm_notAfter(c), static_cast<int>(hours / 24), (hours % 24) * 3600,
                       nullptr) == nullptr ||
      X509_set_pubkey(c, subject_key) != 1) {
    return Err(OpenSslFailure("certificate fields"));
  }
  X509_NAME* subject = X509_get_subject_name(c);
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                 -1, -1, 0) != 1) {
    return Err(InvalidArgument("invalid common name: " + TakeOpenSslErrors()));
  }
  if (X509_set_issuer_name(c, X509_get_subject_name(signer)) != 1) {
    return Err(OpenSslFailure("certificate issuer"));
  }

  if (spec.is_ca) {
    COFFER_RETURN_IF_ERROR(AddExtension(c, signer, NID_basic_constraints, "critical,CA:TRUE"));
    COFFER_RETURN_IF_ERROR(
        AddExtension(c, signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"));
  } else {
    COFFER_RETURN_IF_ERROR(AddExtension(c, signer, NID_basic_constraints, "critical,CA:FALSE"));
    COFFER_RETURN_IF_ERROR(AddExtension(c, signer, NID_key_usage, "critical,digitalSignature"));
    COFFER_RETURN_IF_ERROR(AddExtension(c, signer, NID_ext_key_usage, "serverAuth,clientAuth"));
  }
  COFFER_RETURN_IF_ERROR(AddExtension(c, signer, NID_subject_key_identifier, "hash"));
  if (issuer != nullptr) {
    COFFER_RETURN_IF_ERROR(AddExtension(c, signer, NID_authority_key_identifier, "keyid:always"));
  }
  COFFER_RETURN_IF_ERROR(AddSubjectAltNames(c, spec.dns_sans, spec.ip_sans));
  if (X509_sign(c, signing_key, EVP_sha256()) == 0) return Err(OpenSslFailure("signing"));

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), c) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), subject_key, nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return Err(OpenSslFailure("writing PEM"));
  }
  CertKeyPem out;
  COFFER_ASSIGN_OR_RETURN(out.cert_pem, BioContents(cert_bio.get()));
  COFFER_ASSIGN_OR_RETURN(out.key_pem, BioContents(key_bio.get()));
  return out;
}

}  // namespace

Result<CertKeyPem> GenerateSelfSigned(const std::string& common_name,
                                      const std::vector<std::string>& dns_sans,
                                      const std::vector<std::string>& ip_sans,
                                      std::chrono::hours validity, bool is_ca) {
  COFFER_ASSIGN_OR_RETURN(EvpPkeyPtr key, NewP256Key());
  CertSpec spec{common_name, dns_sans, ip_sans, validity, is_ca};
  auto out = BuildCertificate(spec, key.get(), nullptr, nullptr);
  ERR_clear_error();
  return out;
}

Result<CertKeyPem> GenerateSignedBy(const CertKeyPem& ca, const std::string& common_name,
                                    const std::vector<std::string>& dns_sans,
                                    const std::vector<std::string>& ip_sans,
                                    std::chrono::hours validity) {
  COFFER_ASSIGN_OR_RETURN(X509Ptr ca_cert, ParseCertificate(ca.cert_pem));
  COFFER_ASSIGN_OR_RETURN(EvpPkeyPtr ca_key, ParsePrivateKey(ca.key_pem));
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1) {
    ERR_clear_error();
    return Err(InvalidArgument("CA private key does not match the CA certificate"));
  }
  if (X509_check_ca(ca_cert.get()) == 0) {
    return Err(InvalidArgument("certificate \"" + common_name +
                               "\" cannot be signed by a certificate that is not a CA"));
  }
  COFFER_ASSIGN_OR_RETURN(EvpPkeyPtr key, NewP256Key());
  CertSpec spec{common_name, dns_sans, ip_sans, validity, /*is_ca=*/false};
  auto out = BuildCertificate(spec, key.get(), ca_cert.get(), ca_key.get());
  ERR_clear_error();
  return out;
}

Result<std::chrono::system_clock::time_point> CertificateNotAfter(const std::string& cert_pem) {
  auto cert = ParseCertificate(cert_pem);
  if (!cert) {
    ERR_clear_error();
    return Err(cert.error());
  }
  struct tm tm = {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert->get()), &tm) != 1) {
    return Err(InvalidArgument("certificate has an invalid notAfter: " + TakeOpenSslErrors()));
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace coffer::crypto
