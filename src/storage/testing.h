#pragma once
// The one conformance suite every storage::Backend implementation runs (the counterpart of
// Vault's sdk/physical/testing.go): physical backends here, core's Barrier elsewhere.
//
// To run it against a backend, link coffer_storage_testing (an OBJECT library, so the
// TEST_Ps in testing.cc are always linked) and instantiate it once per configuration:
//
//   INSTANTIATE_TEST_SUITE_P(Inmem, BackendConformanceTest,
//       ::testing::Values(SimpleBackend("Inmem", [] { return std::make_unique<InmemBackend>(); })),
//       BackendParamName);
//
// A backend whose data lives outside the object (a temp directory) or that can be reopened
// supplies its own BackendHarness instead of SimpleBackend.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "storage/backend.h"

namespace coffer::storage {

// Owns one backend under test and whatever it needs (a directory, an inner backend).
// The suite makes a fresh, empty one for every test and destroys it afterwards.
class BackendHarness {
 public:
  virtual ~BackendHarness() = default;
  virtual Backend& backend() = 0;
  // Durable backends: closes the backend and opens a new one over the same data
  // (backend() then returns the new one). Others return false and the test is skipped.
  virtual bool Reopen() { return false; }
  // The longest key backend() accepts; longer keys must be InvalidArgument. Less than
  // kMaxKeySize for a backend that prefixes keys before storing them (a storage view).
  virtual size_t MaxKeySize() const { return kMaxKeySize; }
};

struct BackendParam {
  std::string name;  // the test name suffix: letters, digits and '_'
  std::function<std::unique_ptr<BackendHarness>()> make;
};

// For ASSERT_TRUE(IsOk(...)) with the status in the failure message.
inline ::testing::AssertionResult IsOk(const Status& st) {
  if (st.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << st.ToString();
}
template <class T>
::testing::AssertionResult IsOk(const Result<T>& r) {
  return r ? ::testing::AssertionSuccess() : IsOk(r.error());
}

// A BackendParam for a backend that owns all of its state and cannot be reopened.
BackendParam SimpleBackend(std::string name, std::function<std::unique_ptr<Backend>()> make);

// The name generator for INSTANTIATE_TEST_SUITE_P.
std::string BackendParamName(const ::testing::TestParamInfo<BackendParam>& info);

// gtest prints the param's name rather than its bytes.
void PrintTo(const BackendParam& param, std::ostream* os);

// A fresh directory under $TMPDIR (default /tmp), removed with its contents on destruction.
// path() is empty (and the test has failed) if it could not be created.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class BackendConformanceTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override;
  void TearDown() override;
  Backend& backend() { return harness_->backend(); }
  BackendHarness& harness() { return *harness_; }

 private:
  std::unique_ptr<BackendHarness> harness_;
};

}  // namespace coffer::storage
