#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vitlens::cli {

// Keys keep the order they were written in, so documents read top-down like the tables.
using Json = nlohmann::ordered_json;

// A plain-text table; columns are as wide as their widest cell. The header row is left out
// when every title is empty (key/value listings).
class Table {
 public:
  enum class Align { Left, Right };
  struct Column {
    std::string title;
    Align align = Align::Left;
  };

  explicit Table(std::vector<Column> columns);
  void add_row(std::vector<std::string> cells);
  void print(std::ostream& out, const std::string& indent = "") const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// "12.35" for fixed(12.345, 2).
std::string fixed(double value, int decimals);

// Shortest natural form: "1e-12", "0.00392157", "224".
std::string compact(double value);

// The double nearest to a float's shortest decimal form, so JSON shows 0.485 rather than
// 0.48500001430511475; it converts back to the same float.
double shortest(float value);
std::vector<double> shortest(const std::vector<float>& values);

// Pretty-prints one JSON document followed by a newline.
void print_json(std::ostream& out, const Json& document);

}  // namespace vitlens::cli
