#include "crypto/hash.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <atomic>
#include <thread>
#include <vector>

#include "crypto/fake_random.h"
#include "crypto/test_util.h"

namespace coffer::crypto {
namespace {

using testing::Unhex;

TEST(Sha256Test, KnownAnswers) {
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 4231, test cases 1-7 (case 5's output is truncated to 128 bits).
TEST(HmacSha256Test, Rfc4231) {
  struct Case {
    std::string key, data, mac;
  } cases[] = {
      {std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {Unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {std::string(20, '\x0c'), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},
      {std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const Case& c : cases) {
    std::string mac = HexEncode(HmacSha256(c.key, c.data));
    EXPECT_EQ(mac.substr(0, c.mac.size()), c.mac);
  }
}

TEST(HmacSha256Test, EmptyKeyAndData) {
  EXPECT_EQ(HexEncode(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

// A key used for many messages, from several threads, gives what the one-shot function gives.
TEST(HmacSha256Test, KeyReusedAcrossMessagesAndThreads) {
  for (std::string key :
       {std::string(), std::string("Jefe"), std::string(32, '\x5a'), std::string(200, '\x01')}) {
    HmacSha256Key mac(key);
    EXPECT_EQ(mac.Mac(""), HmacSha256(key, ""));
    EXPECT_EQ(mac.Mac("what do ya want for nothing?"),
              HmacSha256(key, "what do ya want for nothing?"));
    HmacSha256Key moved(std::move(mac));
    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0};
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          std::string data = std::to_string(t) + ":" + std::to_string(i);
          if (moved.Mac(data) != HmacSha256(key, data)) ++mismatches;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(mismatches.load(), 0);
  }
}

// RFC 5869, test cases 1-3.
TEST(HkdfTest, Rfc5869) {
  struct Case {
    std::string ikm, salt, info;
    size_t len;
    std::string okm;
  } cases[] = {
      {std::string(22, '\x0b'), Unhex("000102030405060708090a0b0c"), Unhex("f0f1f2f3f4f5f6f7f8f9"),
       42, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      {Unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292"
             "a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f"),
       Unhex("606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898"
             "a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf"),
       Unhex("b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9d"
             "adbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"),
       82,
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65"
       "e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      {std::string(22, '\x0b'), "", "", 42,
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
  };
  for (const Case& c : cases) {
    auto okm = Hkdf(SecretBytes::FromString(c.ikm), c.salt, c.info, c.len);
    ASSERT_TRUE(okm) << okm.error().ToString();
    EXPECT_EQ(HexEncode(okm->view()), c.okm);
  }
}

TEST(HkdfTest, RejectsBadLengths) {
  SecretBytes ikm = SecretBytes::FromString("ikm");
  EXPECT_FALSE(Hkdf(ikm, "", "", 0));
  EXPECT_FALSE(Hkdf(ikm, "", "", 255 * 32 + 1));
  auto max = Hkdf(ikm, "", "", 255 * 32);
  ASSERT_TRUE(max);
  EXPECT_EQ(max->size(), 255u * 32);
}

TEST(HexTest, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string hex = HexEncode(all);
  ASSERT_EQ(hex.size(), 512u);
  EXPECT_EQ(hex.substr(0, 8), "00010203");
  EXPECT_EQ(hex.substr(2 * 0x9a, 2), "9a");
  EXPECT_EQ(hex.substr(504), "fcfdfeff");
  auto back = HexDecode(hex);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, all);
}

TEST(HexTest, DecodesEitherCase) {
  EXPECT_EQ(*HexDecode("DEADbeef"), "\xde\xad\xbe\xef");
  EXPECT_EQ(*HexDecode(""), "");
}

TEST(HexTest, RejectsGarbage) {
  for (std::string_view bad :
       {"abc", "0g", "g0", "zz", " 0", "0 ", "0x00", "+0", "/0", ":0", "@0", "`0", "G0",
        "\xff"
        "0"}) {
    auto r = HexDecode(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(Base64Test, Rfc4648Vectors) {
  std::pair<std::string, std::string> cases[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, b64] : cases) {
    EXPECT_EQ(Base64Encode(plain), b64);
    auto back = Base64Decode(b64);
    ASSERT_TRUE(back) << b64;
    EXPECT_EQ(*back, plain);
  }
  EXPECT_EQ(Base64Encode("\xfb\xff\xbf"), "+/+/");
}

// Cross-checks the constant-time coder against OpenSSL's table-driven one.
TEST(Base64Test, MatchesOpenSslForRandomInputs) {
  SeededRandom r(42);
  for (size_t n = 0; n < 200; ++n) {
    std::string data(n, '\0');
    ASSERT_TRUE(r.Fill(reinterpret_cast<uint8_t*>(data.data()), n).ok());
    std::string expected(4 * ((n + 2) / 3) + 1, '\0');
    int len =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(expected.data()),
                        reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(n));
    expected.resize(len);
    EXPECT_EQ(Base64Encode(data), expected);
    auto back = Base64Decode(expected);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, data);
  }
}

TEST(Base64Test, RejectsGarbage) {
  for (std::string_view bad :
       {"Zg=", "Zg", "Z===", "====", "=Zm9", "Zm9v\n", "Zm 9v", "Zm9v====", "Zg==Zg==", "Zm-v",
        "Zm_v", "Zm9v Zm9v", "Zm=v", "Z*9v", "Zm9v\xc3\xa9===", "Zm8=\n"}) {
    auto r = Base64Decode(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(Base64Test, IgnoresUnusedTrailingBitsLikeGo) {
  // Go's base64.StdEncoding (not Strict) decodes "Zh==" like "Zg==".
  EXPECT_EQ(*Base64Decode("Zh=="), "f");
}

}  // namespace
}  // namespace coffer::crypto
