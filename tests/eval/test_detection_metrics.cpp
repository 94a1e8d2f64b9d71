#include <catch2/catch.hpp>

#include <cmath>

#include "vitlens/eval/detection_metrics.hpp"
#include "vitlens/util/error.hpp"

using namespace vitlens;
using Catch::Matchers::Contains;

namespace {

constexpr PixelBox kSquare{0, 0, 10, 10};
constexpr PixelBox kElsewhere{50, 50, 60, 60};

DetectionSummary evaluate_one_image(int classes, const std::vector<TruthBox>& truth, const std::vector<ScoredBox>& found) {
  DetectionEvaluator evaluator(classes);
  evaluator.add_image(truth, found);
  return evaluator.summary();
}

}  // namespace

TEST_CASE("COCO IoU is intersection over union of areas, 0 for disjoint or empty boxes", "[metrics]") {
  CHECK(coco_iou(kSquare, kSquare) == 1.0);
  CHECK(coco_iou(kSquare, PixelBox{0, 0, 10, 5}) == Approx(0.5));
  CHECK(coco_iou(kSquare, PixelBox{5, 0, 15, 10}) == Approx(50.0 / 150.0));
  CHECK(coco_iou(kSquare, kElsewhere) == 0.0);
  CHECK(coco_iou(kSquare, PixelBox{10, 0, 20, 10}) == 0.0);  // touching edges share no area
  CHECK(coco_iou(PixelBox{}, PixelBox{}) == 0.0);
}

TEST_CASE("the recall points and IoU thresholds are COCO's", "[metrics]") {
  CHECK(coco_recall_point(0) == 0.0);
  CHECK(coco_recall_point(50) == Approx(0.5));
  CHECK(coco_recall_point(100) == 1.0);
  CHECK(coco_iou_threshold(0) == 0.5);
  CHECK(coco_iou_threshold(5) == Approx(0.75));
  CHECK(coco_iou_threshold(9) == 0.95);
}

TEST_CASE("exact detections of every object give AP 1 at every threshold", "[metrics]") {
  const DetectionSummary s = evaluate_one_image(2, {{0, kSquare}, {1, kElsewhere}}, {{0, 0.9, kSquare}, {1, 0.3, kElsewhere}});
  CHECK(s.map50 == Approx(1.0));
  CHECK(s.map50_95 == Approx(1.0));
  CHECK(s.objects == 2);
  CHECK(s.detections == 2);
}

TEST_CASE("a confident false positive ranked above the true positive halves the precision", "[metrics]") {
  // Ranked: FP (0.9) then TP (0.5): precision 0.5 at recall 1, and the envelope carries
  // 0.5 back to recall 0, so all 101 samples are 0.5.
  const DetectionSummary s = evaluate_one_image(1, {{0, kSquare}}, {{0, 0.9, kElsewhere}, {0, 0.5, kSquare}});
  CHECK(s.ap50[0] == Approx(0.5));
}

TEST_CASE("recall that stops at one half scores the 51 recall points up to 0.5", "[metrics]") {
  const DetectionSummary s = evaluate_one_image(1, {{0, kSquare}, {0, kElsewhere}}, {{0, 0.8, kSquare}});
  CHECK(s.ap50[0] == Approx(51.0 / 101.0));
}

TEST_CASE("a box with IoU 0.72 counts at the thresholds 0.50 to 0.70 only", "[metrics]") {
  const DetectionSummary s = evaluate_one_image(1, {{0, kSquare}}, {{0, 0.8, PixelBox{0, 0, 10, 7.2}}});
  CHECK(s.ap50[0] == Approx(1.0));
  CHECK(s.ap50_95[0] == Approx(0.5));  // 5 of the 10 thresholds
}

TEST_CASE("a second detection of an already matched object is a false positive", "[metrics]") {
  // Ranked TP, duplicate, TP: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1; the envelope gives
  // 1 up to recall 0.5 (51 points) and 2/3 above (50 points).
  const DetectionSummary s =
      evaluate_one_image(1, {{0, kSquare}, {0, kElsewhere}}, {{0, 0.9, kSquare}, {0, 0.8, kSquare}, {0, 0.7, kElsewhere}});
  CHECK(s.ap50[0] == Approx((51.0 + 50.0 * 2.0 / 3.0) / 101.0));
}

TEST_CASE("a detection takes the unmatched object it overlaps most, not the first it overlaps enough", "[metrics]") {
  // The first detection overlaps both objects by IoU >= 0.5 but `right` more; taking `left`
  // would leave the second detection (exactly `left`) unmatched.
  const PixelBox left{0, 0, 10, 10}, right{4, 0, 14, 10};
  const DetectionSummary s = evaluate_one_image(1, {{0, left}, {0, right}}, {{0, 0.9, PixelBox{3, 0, 13, 10}}, {0, 0.7, left}});
  CHECK(s.ap50[0] == Approx(1.0));
}

TEST_CASE("a detection with the wrong class helps neither class", "[metrics]") {
  const DetectionSummary s = evaluate_one_image(2, {{0, kSquare}, {1, kElsewhere}}, {{1, 0.9, kSquare}, {1, 0.8, kElsewhere}});
  CHECK(s.ap50[0] == 0.0);
  CHECK(s.ap50[1] == Approx(0.5));
  CHECK(s.map50 == Approx(0.25));
}

TEST_CASE("classes without ground truth are left out of the mean", "[metrics]") {
  const DetectionSummary s = evaluate_one_image(3, {{0, kSquare}}, {{0, 0.9, kSquare}, {2, 0.9, kElsewhere}});
  CHECK(std::isnan(s.ap50[1]));
  CHECK(std::isnan(s.ap50[2]));
  CHECK(s.map50 == Approx(1.0));
}

TEST_CASE("detections are ranked by score across images", "[metrics]") {
  DetectionEvaluator evaluator(1);
  evaluator.add_image({}, {{0, 0.9, kSquare}});            // an image without objects: a false positive
  evaluator.add_image({{0, kSquare}}, {{0, 0.5, kSquare}});  // the true positive, ranked second
  const DetectionSummary s = evaluator.summary();
  CHECK(s.images == 2);
  CHECK(s.ap50[0] == Approx(0.5));
}

TEST_CASE("an object nobody detected scores 0", "[metrics]") {
  CHECK(evaluate_one_image(1, {{0, kSquare}}, {}).map50 == 0.0);
}

TEST_CASE("labels outside the class list are rejected", "[metrics]") {
  DetectionEvaluator evaluator(2);
  REQUIRE_THROWS_AS(evaluator.add_image({{2, kSquare}}, {}), Error);
  REQUIRE_THROWS_WITH(evaluator.add_image({}, {{-1, 0.5, kSquare}}), Contains("class -1"));
}
