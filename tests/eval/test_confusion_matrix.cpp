#include <catch2/catch.hpp>

#include "vitlens/eval/confusion_matrix.hpp"
#include "vitlens/util/error.hpp"

using namespace vitlens;

TEST_CASE("a confusion matrix counts (truth, prediction) pairs and gives accuracy and recall", "[metrics]") {
  ConfusionMatrix m(3);
  m.add(0, 0);
  m.add(0, 1);
  m.add(1, 1);
  m.add(2, 2);
  CHECK(m.total() == 4);
  CHECK(m.correct() == 3);
  CHECK(m.count(0, 1) == 1);
  CHECK(m.count(1, 0) == 0);
  CHECK(m.accuracy() == Approx(0.75));
  CHECK(m.recall(0) == Approx(0.5));
  CHECK(m.recall(2) == Approx(1.0));
}

TEST_CASE("an empty confusion matrix has accuracy 0 and rejects classes it does not have", "[metrics]") {
  ConfusionMatrix m(2);
  CHECK(m.accuracy() == 0.0);
  CHECK(m.recall(1) == 0.0);
  REQUIRE_THROWS_AS(m.add(2, 0), Error);
  REQUIRE_THROWS_AS(m.add(0, -1), Error);
  REQUIRE_THROWS_AS(ConfusionMatrix(0), Error);
}
