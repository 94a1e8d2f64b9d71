#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "support/safetensors_writer.hpp"
#include "vitlens/checkpoint/safetensors.hpp"
#include "vitlens/util/error.hpp"

using namespace vitlens;
using namespace vitlens::test;
using Catch::Matchers::Contains;

namespace {

// Opening `path` fails with a message that names the file and contains `problem`.
void require_rejected(const std::string& path, const std::string& problem) {
  REQUIRE_THROWS_AS(SafetensorsFile::open(path), Error);
  REQUIRE_THROWS_WITH(SafetensorsFile::open(path), Contains(path) && Contains(problem));
}

std::string tensor_header(const std::string& name, const std::string& dtype, const std::string& shape, uint64_t begin, uint64_t end) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
}

// Joined with appends: GCC 12 misreports "literal" + std::string chains (-Wrestrict).
std::string header_of(const std::vector<std::string>& entries) {
  std::string header = "{";
  for (const std::string& entry : entries) {
    if (header.size() > 1) header += ',';
    header += entry;
  }
  header += '}';
  return header;
}

}  // namespace

TEST_CASE("F32 tensors read back bit for bit, metadata included", "[loading]") {
  TempDir dir("st-f32");
  const std::vector<float> values{1.5f, -2.25f, 0.0f, -0.0f, std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min()};
  json header = header_for({f32_tensor("w", {2, 3}, values)});
  header["__metadata__"] = {{"format", "pt"}};
  write_raw_safetensors(dir.file("a.safetensors"), header.dump(), f32_bytes(values));

  const SafetensorsFile file = SafetensorsFile::open(dir.file("a.safetensors"));
  REQUIRE(file.metadata().at("format") == "pt");
  const Tensor w = file.read("w");
  REQUIRE(w.shape == std::vector<int64_t>{2, 3});
  for (size_t i = 0; i < values.size(); ++i) REQUIRE(std::memcmp(&w.data[i], &values[i], 4) == 0);
}

TEST_CASE("F16 tensors widen exactly, subnormals, signed zero and infinity included", "[loading]") {
  TempDir dir("st-f16");
  const std::vector<uint16_t> bits{0x3C00, 0xC000, 0x0001, 0x03FF, 0x7BFF, 0x8000, 0x7C00, 0x3555, 0xFBFF};
  write_safetensors(dir.file("h.safetensors"), {{"h", "F16", {9}, u16_bytes(bits)}});
  const Tensor h = SafetensorsFile::open(dir.file("h.safetensors")).read("h");
  REQUIRE(h.data[0] == 1.0f);
  REQUIRE(h.data[1] == -2.0f);
  REQUIRE(h.data[2] == std::ldexp(1.0f, -24));
  REQUIRE(h.data[3] == std::ldexp(1023.0f, -24));
  REQUIRE(h.data[4] == 65504.0f);
  REQUIRE((h.data[5] == 0.0f && std::signbit(h.data[5])));
  REQUIRE(std::isinf(h.data[6]));
  REQUIRE(h.data[7] == 0.333251953125f);
  REQUIRE(h.data[8] == -65504.0f);
}

TEST_CASE("BF16 tensors widen as the upper half of a float32", "[loading]") {
  TempDir dir("st-bf16");
  // 0x3EAA is 1/3 truncated to bf16: 0.33203125, not 1/3.
  const std::vector<uint16_t> bits{0x3F80, 0xC0A0, 0x3EAA, 0x0001, 0x8000};
  write_safetensors(dir.file("b.safetensors"), {{"b", "BF16", {5}, u16_bytes(bits)}});
  const Tensor b = SafetensorsFile::open(dir.file("b.safetensors")).read("b");
  REQUIRE(b.data[0] == 1.0f);
  REQUIRE(b.data[1] == -5.0f);
  REQUIRE(b.data[2] == 0.33203125f);
  REQUIRE(b.data[3] == std::ldexp(1.0f, -133));
  REQUIRE((b.data[4] == 0.0f && std::signbit(b.data[4])));
}

TEST_CASE("tensor data at an unaligned file offset reads correctly", "[loading]") {
  TempDir dir("st-unaligned");
  const std::vector<float> values{3.0f, -7.5f};
  std::string header = header_for({f32_tensor("x", {2}, values)}).dump();
  header += std::string(header.size() % 2 ? 0 : 1, ' ');  // odd length: data starts at an odd offset
  write_raw_safetensors(dir.file("u.safetensors"), header, f32_bytes(values));
  REQUIRE(SafetensorsFile::open(dir.file("u.safetensors")).read("x").data == values);
}

TEST_CASE("an empty file is rejected", "[loading]") {
  TempDir dir("st-empty");
  write_text(dir.file("empty.safetensors"), "");
  require_rejected(dir.file("empty.safetensors"), "too short");
}

TEST_CASE("a truncated file is rejected", "[loading]") {
  TempDir dir("st-truncated");
  const std::vector<RawTensor> tensors{f32_tensor("a", {4}, 1.0f), f32_tensor("b", {4}, 2.0f)};
  write_safetensors(dir.file("t.safetensors"), tensors);
  std::filesystem::resize_file(dir.file("t.safetensors"), std::filesystem::file_size(dir.file("t.safetensors")) - 5);
  require_rejected(dir.file("t.safetensors"), "past the end of the file");
}

TEST_CASE("a header that runs past the end of the file is rejected", "[loading]") {
  TempDir dir("st-short-header");
  write_raw_safetensors(dir.file("s.safetensors"), "{}", "", 5000);
  require_rejected(dir.file("s.safetensors"), "runs past the end");
}

TEST_CASE("a header larger than 100 MB is rejected without reading it", "[loading]") {
  TempDir dir("st-huge-header");
  write_raw_safetensors(dir.file("big.safetensors"), "{}", "", 200'000'000);
  require_rejected(dir.file("big.safetensors"), "100 MB");
}

TEST_CASE("a header that is not a JSON object is rejected", "[loading]") {
  TempDir dir("st-bad-json");
  write_raw_safetensors(dir.file("j.safetensors"), "{\"a\": ", "");
  require_rejected(dir.file("j.safetensors"), "not valid JSON");
  write_raw_safetensors(dir.file("array.safetensors"), "[1, 2]", "");
  require_rejected(dir.file("array.safetensors"), "not a JSON object");
}

TEST_CASE("a safetensors file whose offsets overlap is rejected", "[loading]") {
  TempDir dir("st-overlap");
  const std::string header = header_of({tensor_header("a", "F32", "[2]", 0, 8), tensor_header("b", "F32", "[2]", 4, 12)});
  write_raw_safetensors(dir.file("o.safetensors"), header, std::string(12, '\0'));
  require_rejected(dir.file("o.safetensors"), "overlaps");
}

TEST_CASE("a safetensors file whose offsets leave a gap is rejected", "[loading]") {
  TempDir dir("st-gap");
  const std::string header = header_of({tensor_header("a", "F32", "[2]", 0, 8), tensor_header("b", "F32", "[2]", 12, 20)});
  write_raw_safetensors(dir.file("g.safetensors"), header, std::string(20, '\0'));
  require_rejected(dir.file("g.safetensors"), "belong to no tensor");
}

TEST_CASE("a data buffer with bytes after the last tensor is rejected", "[loading]") {
  TempDir dir("st-uncovered");
  write_raw_safetensors(dir.file("c.safetensors"), header_of({tensor_header("a", "F32", "[2]", 0, 8)}), std::string(12, '\0'));
  require_rejected(dir.file("c.safetensors"), "the last 4 bytes of the data buffer belong to no tensor");
}

TEST_CASE("a tensor whose byte size does not match its shape and dtype is rejected", "[loading]") {
  TempDir dir("st-size");
  write_raw_safetensors(dir.file("m.safetensors"), header_of({tensor_header("a", "F32", "[2,2]", 0, 12)}), std::string(12, '\0'));
  require_rejected(dir.file("m.safetensors"), "needs 16 bytes but its data_offsets span 12");
}

TEST_CASE("an unsupported dtype is rejected by name", "[loading]") {
  TempDir dir("st-dtype");
  write_raw_safetensors(dir.file("d.safetensors"), header_of({tensor_header("a", "F64", "[1]", 0, 8)}), std::string(8, '\0'));
  require_rejected(dir.file("d.safetensors"), "dtype F64");
  REQUIRE_THROWS_WITH(SafetensorsFile::open(dir.file("d.safetensors")), Contains("F32, F16, BF16"));
}

TEST_CASE("a header naming a tensor twice is rejected", "[loading]") {
  TempDir dir("st-duplicate");
  const std::string header = header_of({tensor_header("a", "F32", "[1]", 0, 4), tensor_header("a", "F32", "[1]", 4, 8)});
  write_raw_safetensors(dir.file("dup.safetensors"), header, std::string(8, '\0'));
  require_rejected(dir.file("dup.safetensors"), "'a' more than once");
}

TEST_CASE("negative and overflowing shapes are rejected", "[loading]") {
  TempDir dir("st-shape");
  write_raw_safetensors(dir.file("neg.safetensors"), header_of({tensor_header("a", "F32", "[-1]", 0, 4)}), std::string(4, '\0'));
  require_rejected(dir.file("neg.safetensors"), "non-negative integer");
  const std::string huge = "[4294967296,4294967296,4294967296]";
  write_raw_safetensors(dir.file("huge.safetensors"), header_of({tensor_header("a", "F32", huge, 0, 4)}), std::string(4, '\0'));
  require_rejected(dir.file("huge.safetensors"), "absurd shape");
}

TEST_CASE("a tensor store reports which tensors have not been read", "[loading]") {
  TempDir dir("st-unread");
  write_safetensors(dir.file("s.safetensors"), {f32_tensor("a", {1}, 1.0f), f32_tensor("b", {1}, 2.0f)});
  const TensorStore store = TensorStore::open_file(dir.file("s.safetensors"));
  store.read("a");
  REQUIRE(store.unread() == std::vector<std::string>{"b"});
  REQUIRE_THROWS_WITH(store.read("c"), Contains("no tensor named 'c'"));
}

TEST_CASE("a sharded index joins the tensors of its shards", "[loading]") {
  TempDir dir("st-shards");
  write_safetensors(dir.file("model-00001-of-00002.safetensors"), {f32_tensor("a", {2}, std::vector<float>{1, 2})});
  write_safetensors(dir.file("model-00002-of-00002.safetensors"), {f32_tensor("b", {1}, std::vector<float>{3})});
  write_json(dir.file("model.safetensors.index.json"), {{"metadata", {{"total_size", 12}}},
                                                        {"weight_map", {{"a", "model-00001-of-00002.safetensors"}, {"b", "model-00002-of-00002.safetensors"}}}});
  const TensorStore store = TensorStore::open_index(dir.file("model.safetensors.index.json"));
  REQUIRE(store.names() == std::vector<std::string>{"a", "b"});
  REQUIRE(store.read("b").data == std::vector<float>{3});
  REQUIRE_THAT(store.path_of("b"), Contains("model-00002-of-00002.safetensors"));
}

TEST_CASE("a sharded index naming a missing shard is rejected", "[loading]") {
  TempDir dir("st-missing-shard");
  write_safetensors(dir.file("model-00001-of-00002.safetensors"), {f32_tensor("a", {1}, 1.0f)});
  write_json(dir.file("model.safetensors.index.json"), {{"weight_map", {{"a", "model-00001-of-00002.safetensors"}, {"b", "model-00002-of-00002.safetensors"}}}});
  REQUIRE_THROWS_WITH(TensorStore::open_index(dir.file("model.safetensors.index.json")),
                      Contains("model.safetensors.index.json") && Contains("'model-00002-of-00002.safetensors'") && Contains("does not exist"));
}

TEST_CASE("a sharded index that puts a tensor in the wrong shard is rejected", "[loading]") {
  TempDir dir("st-wrong-shard");
  write_safetensors(dir.file("one.safetensors"), {f32_tensor("a", {1}, 1.0f)});
  write_safetensors(dir.file("two.safetensors"), {f32_tensor("b", {1}, 1.0f)});
  write_json(dir.file("model.safetensors.index.json"), {{"weight_map", {{"a", "one.safetensors"}, {"b", "one.safetensors"}}}});
  REQUIRE_THROWS_WITH(TensorStore::open_index(dir.file("model.safetensors.index.json")), Contains("puts tensor 'b' in 'one.safetensors'"));
}
