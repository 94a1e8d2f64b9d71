#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "vitlens/model/position_embedding.hpp"
#include "vitlens/util/error.hpp"

using vitlens::Tensor;

namespace {

Tensor table_from_json(const nlohmann::json& rows) {
  const auto height = static_cast<int64_t>(rows.size());
  const auto width = static_cast<int64_t>(rows.at(0).size());
  Tensor t({height, width});
  for (int64_t r = 0; r < height; ++r)
    for (int64_t c = 0; c < width; ++c) t.data[static_cast<size_t>(r * width + c)] = rows.at(r).at(c).get<float>();
  return t;
}

Tensor counting_table(int rows, int width) {
  Tensor t({rows, width});
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = 0.25f * static_cast<float>(i) - 3.0f;
  return t;
}

nlohmann::json load_fixture(const std::string& name) {
  const std::string path = std::string(VITLENS_SOURCE_DIR) + "/tests/fixtures/interpolation/" + name;
  std::ifstream in(path);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

// Every case of a tools/make_interpolation_fixture.py file, resampled with `mode`.
void check_against_fixture(const std::string& name, vitlens::PositionResample mode, size_t cases) {
  const nlohmann::json fixture = load_fixture(name);
  const int prefix = fixture.at("prefix").get<int>();
  const int gh0 = fixture.at("grid").at(0).get<int>();
  const int gw0 = fixture.at("grid").at(1).get<int>();
  const Tensor table = table_from_json(fixture.at("table"));

  REQUIRE(fixture.at("cases").size() == cases);
  for (const auto& c : fixture.at("cases")) {
    INFO(c.at("name").get<std::string>());
    const Tensor expected = table_from_json(c.at("expected"));
    const Tensor out = vitlens::interpolate_pos_embed(table, prefix, gh0, gw0, c.at("grid").at(0).get<int>(),
                                                      c.at("grid").at(1).get<int>(), mode);
    REQUIRE(out.shape == expected.shape);
    for (size_t i = 0; i < out.data.size(); ++i) CHECK(out.data[i] == Approx(expected.data[i]).margin(1e-6));
  }
}

}  // namespace

TEST_CASE("interpolating a position table to its own grid returns it unchanged", "[cpu]") {
  const Tensor table = counting_table(1 + 3 * 5, 4);
  const Tensor out = vitlens::interpolate_pos_embed(table, 1, 3, 5, 3, 5);
  CHECK(out.shape == table.shape);
  CHECK(out.data == table.data);
}

TEST_CASE("prefix rows of a position table pass through interpolation", "[cpu]") {
  const Tensor table = counting_table(2 + 4 * 4, 3);
  const Tensor out = vitlens::interpolate_pos_embed(table, 2, 4, 4, 6, 3);
  REQUIRE(out.shape == std::vector<int64_t>{2 + 6 * 3, 3});
  for (size_t i = 0; i < 2 * 3; ++i) CHECK(out.data[i] == table.data[i]);
}

TEST_CASE("a constant position table stays constant at any grid", "[cpu]") {
  const Tensor table({1 + 4 * 4, 2}, 0.75f);
  for (auto [gh, gw] : {std::pair{7, 7}, std::pair{2, 3}, std::pair{1, 9}}) {
    const Tensor out = vitlens::interpolate_pos_embed(table, 1, 4, 4, gh, gw);
    REQUIRE(out.shape == std::vector<int64_t>{1 + gh * gw, 2});
    for (float v : out.data) CHECK(v == Approx(0.75).margin(1e-6));
  }
}

TEST_CASE("position interpolation matches PyTorch's bicubic F.interpolate", "[cpu]") {
  check_against_fixture("bicubic.json", vitlens::PositionResample::Bicubic, 3);
}

TEST_CASE("timm's antialiased position resampling matches F.interpolate(antialias=True), growing and shrinking",
          "[cpu]") {
  check_against_fixture("bicubic_antialias.json", vitlens::PositionResample::AntialiasedBicubic, 5);
}

TEST_CASE("antialiased resampling to the table's own grid returns it unchanged", "[cpu]") {
  const Tensor table = counting_table(1 + 3 * 5, 4);
  const Tensor out = vitlens::interpolate_pos_embed(table, 1, 3, 5, 3, 5, vitlens::PositionResample::AntialiasedBicubic);
  CHECK(out.data == table.data);
}

TEST_CASE("a position table whose rows do not match its grid is rejected", "[cpu]") {
  const Tensor table = counting_table(1 + 3 * 3, 4);
  CHECK_THROWS_AS(vitlens::interpolate_pos_embed(table, 1, 4, 4, 5, 5), vitlens::Error);
  CHECK_THROWS_AS(vitlens::interpolate_pos_embed(table, 0, 3, 3, 5, 5), vitlens::Error);
  CHECK_THROWS_AS(vitlens::interpolate_pos_embed(table, 1, 3, 3, 0, 5), vitlens::Error);
  CHECK_THROWS_AS(vitlens::interpolate_pos_embed(Tensor({10}, 0.0f), 1, 3, 3, 5, 5), vitlens::Error);
}
