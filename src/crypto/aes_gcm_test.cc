#include "crypto/aes_gcm.h"

#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "crypto/test_util.h"

namespace coffer::crypto {
namespace {

using testing::Unhex;

SecretBytes Key(std::string_view hex) { return SecretBytes::FromString(Unhex(hex)); }

// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13, 14 and 16
// (the AES-256 vectors NIST's GCM validation suite reuses).
TEST(AesGcmTest, NistKnownAnswers) {
  struct Case {
    const char *key, *nonce, *plaintext, *aad, *ciphertext, *tag;
  } cases[] = {
      {"0000000000000000000000000000000000000000000000000000000000000000",
       "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
      {"0000000000000000000000000000000000000000000000000000000000000000",
       "000000000000000000000000", "00000000000000000000000000000000", "",
       "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
      {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
       "cafebabefacedbaddecaf888",
       "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449"
       "a6b525b16aedf5aa0de657ba637b39",
       "feedfacedeadbeeffeedfacedeadbeefabaddad2",
       "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056"
       "828838c5f61e6393ba7a0abcc9f662",
       "76fc6ece0f4e1768cddf8853bb2d551b"},
  };
  for (const Case& c : cases) {
    SecretBytes key = Key(c.key);
    auto sealed = AesGcmSeal(key, Unhex(c.nonce), Unhex(c.plaintext), Unhex(c.aad));
    ASSERT_TRUE(sealed) << sealed.error().ToString();
    EXPECT_EQ(HexEncode(*sealed), std::string(c.ciphertext) + c.tag);
    auto opened = AesGcmOpen(key, Unhex(c.nonce), *sealed, Unhex(c.aad));
    ASSERT_TRUE(opened) << opened.error().ToString();
    EXPECT_EQ(*opened, Unhex(c.plaintext));
  }
}

class AesGcmTamperTest : public ::testing::Test {
 protected:
  SecretBytes key_ = SecretBytes::FromString(std::string(32, 'k'));
  std::string nonce_ = std::string(12, 'n');
  std::string aad_ = "sys/token/id/abc";
  std::string sealed_ = *AesGcmSeal(key_, nonce_, "the root key", aad_);

  void ExpectRejected(const SecretBytes& key, std::string_view nonce, std::string_view sealed,
                      std::string_view aad) {
    auto r = AesGcmOpen(key, nonce, sealed, aad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kCorruption);
    EXPECT_EQ(r.error().message(), "cipher: message authentication failed");
  }
};

TEST_F(AesGcmTamperTest, UntouchedOpens) {
  auto r = AesGcmOpen(key_, nonce_, sealed_, aad_);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "the root key");
}

TEST_F(AesGcmTamperTest, EveryFlippedCiphertextOrTagBitFails) {
  for (size_t i = 0; i < sealed_.size() * 8; ++i) {
    std::string bad = sealed_;
    bad[i / 8] = static_cast<char>(bad[i / 8] ^ (1 << (i % 8)));
    ExpectRejected(key_, nonce_, bad, aad_);
  }
}

TEST_F(AesGcmTamperTest, WrongAadNonceOrKeyFails) {
  ExpectRejected(key_, nonce_, sealed_, "sys/token/id/abd");
  ExpectRejected(key_, nonce_, sealed_, "");
  std::string nonce = nonce_;
  nonce[11] ^= 1;
  ExpectRejected(key_, nonce, sealed_, aad_);
  SecretBytes other = SecretBytes::FromString(std::string(31, 'k') + "K");
  ExpectRejected(other, nonce_, sealed_, aad_);
}

TEST_F(AesGcmTamperTest, TruncatedOrExtendedFails) {
  ExpectRejected(key_, nonce_, sealed_.substr(0, sealed_.size() - 1), aad_);
  ExpectRejected(key_, nonce_, sealed_ + "x", aad_);
  ExpectRejected(key_, nonce_, sealed_.substr(1), aad_);
  auto r = AesGcmOpen(key_, nonce_, sealed_.substr(0, 15), aad_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kCorruption);
}

TEST(AesGcmTest, RejectsBadKeyAndNonceSizes) {
  SecretBytes short_key = SecretBytes::FromString(std::string(16, 'k'));
  SecretBytes key = SecretBytes::FromString(std::string(32, 'k'));
  auto a = AesGcmSeal(short_key, std::string(12, 'n'), "x", "");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code(), StatusCode::kInvalidArgument);
  auto b = AesGcmSeal(key, std::string(16, 'n'), "x", "");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code(), StatusCode::kInvalidArgument);
  auto c = AesGcmOpen(key, std::string(8, 'n'), std::string(32, 'c'), "");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), StatusCode::kInvalidArgument);
}

TEST(AesGcmTest, RoundTripsManySizes) {
  SecretBytes key = SecretBytes::FromString(std::string(32, '\x01'));
  std::string nonce(12, '\x02');
  for (size_t n : {0, 1, 15, 16, 17, 255, 4096, 100000}) {
    std::string plaintext(n, '\0');
    for (size_t i = 0; i < n; ++i) plaintext[i] = static_cast<char>(i * 7);
    auto sealed = AesGcmSeal(key, nonce, plaintext, "aad");
    ASSERT_TRUE(sealed);
    EXPECT_EQ(sealed->size(), n + kAesGcmTagSize);
    auto opened = AesGcmOpen(key, nonce, *sealed, "aad");
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, plaintext);
  }
}

}  // namespace
}  // namespace coffer::crypto
