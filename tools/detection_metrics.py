"""COCO-style detection AP (pycocotools COCOeval semantics, bbox, area "all", no crowd).

The Python twin of engine/src/eval/detection_metrics.cpp, used by tools/eval_pytorch.py and the
detector's training script so that PyTorch's numbers and ViTLens's are computed the same way:
within an image and class, detections in descending score order (at most 100) each take the
unmatched ground truth of highest IoU if it reaches the threshold; across images a class's
detections are ranked by score (stable); precision is made non-increasing from the right and
sampled at 101 recall points; classes without ground truth are left out of the mean.

Boxes are [x0, y0, x1, y1] in pixels; ground truth is (label, box), detections (label, score, box).
"""

import numpy as np

RECALL_POINTS = np.linspace(0.0, 1.0, 101)
IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
MAX_DETECTIONS = 100


def iou_matrix(boxes_a, boxes_b):
    a = np.asarray(boxes_a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(boxes_b, dtype=np.float64).reshape(-1, 4)
    w = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    overlap = np.where((w > 0) & (h > 0), w * h, 0.0)
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a[:, None] + area_b[None, :] - overlap
    return np.divide(overlap, union, out=np.zeros_like(overlap), where=union > 0)


def _match(ious, threshold):
    taken = np.zeros(ious.shape[1], dtype=bool)
    hits = np.zeros(ious.shape[0], dtype=bool)
    for d in range(ious.shape[0]):
        best, chosen = min(threshold, 1 - 1e-10), -1
        for g in range(ious.shape[1]):
            if taken[g] or ious[d, g] < best:
                continue
            best, chosen = ious[d, g], g
        if chosen >= 0:
            taken[chosen] = hits[d] = True
    return hits


class DetectionEvaluator:
    def __init__(self, num_classes):
        self.num_classes = num_classes
        self.truth_count = np.zeros(num_classes, dtype=np.int64)
        self.scores = [[] for _ in range(num_classes)]
        self.hits = [[] for _ in range(num_classes)]  # per detection: bool [10 thresholds]
        self.images = 0
        self.detections = 0

    def add_image(self, truth, detections):
        self.images += 1
        self.detections += len(detections)
        for label in range(self.num_classes):
            gt = [box for lab, box in truth if lab == label]
            self.truth_count[label] += len(gt)
            mine = [(score, box) for lab, score, box in detections if lab == label]
            order = sorted(range(len(mine)), key=lambda i: -mine[i][0])[:MAX_DETECTIONS]  # stable
            mine = [mine[i] for i in order]
            ious = iou_matrix([box for _, box in mine], gt) if mine and gt else np.zeros((len(mine), len(gt)))
            per_threshold = np.stack([_match(ious, t) for t in IOU_THRESHOLDS], axis=1) if mine else np.zeros((0, 10), bool)
            self.scores[label].extend(score for score, _ in mine)
            self.hits[label].extend(per_threshold)

    def _average_precision(self, label, t):
        order = np.argsort(-np.asarray(self.scores[label], dtype=np.float64), kind="mergesort")
        hits = np.asarray(self.hits[label], dtype=bool).reshape(-1, 10)[order, t]
        tp = np.cumsum(hits).astype(np.float64)
        fp = np.cumsum(~hits).astype(np.float64)
        recall = tp / self.truth_count[label]
        precision = tp / (tp + fp + np.spacing(1))
        precision = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
        at = np.searchsorted(recall, RECALL_POINTS, side="left")
        samples = np.where(at < len(precision), precision[np.minimum(at, len(precision) - 1)] if len(precision) else 0.0, 0.0)
        return float(np.mean(samples))

    def summary(self):
        ap50, ap50_95 = [], []
        for label in range(self.num_classes):
            if self.truth_count[label] == 0:
                ap50.append(float("nan"))
                ap50_95.append(float("nan"))
                continue
            per_t = [self._average_precision(label, t) for t in range(len(IOU_THRESHOLDS))]
            ap50.append(per_t[0])
            ap50_95.append(float(np.mean(per_t)))
        return {
            "map50": float(np.nanmean(ap50)), "map50_95": float(np.nanmean(ap50_95)),
            "ap50": ap50, "ap50_95": ap50_95, "images": self.images,
            "objects": int(self.truth_count.sum()), "detections": self.detections,
        }


def _self_check():
    """The hand-made cases of tests/eval/test_detection_metrics.cpp."""
    sq, far = [0, 0, 10, 10], [50, 50, 60, 60]

    def one(classes, truth, found):
        e = DetectionEvaluator(classes)
        e.add_image(truth, found)
        return e.summary()

    assert abs(one(1, [(0, sq)], [(0, .9, far), (0, .5, sq)])["ap50"][0] - 0.5) < 1e-12
    assert abs(one(1, [(0, sq), (0, far)], [(0, .8, sq)])["ap50"][0] - 51 / 101) < 1e-12
    s = one(1, [(0, sq)], [(0, .8, [0, 0, 10, 7.2])])
    assert abs(s["ap50"][0] - 1) < 1e-12 and abs(s["ap50_95"][0] - 0.5) < 1e-12
    s = one(1, [(0, sq), (0, far)], [(0, .9, sq), (0, .8, sq), (0, .7, far)])
    assert abs(s["ap50"][0] - (51 + 50 * 2 / 3) / 101) < 1e-12
    assert abs(one(1, [(0, [0, 0, 10, 10]), (0, [4, 0, 14, 10])], [(0, .9, [3, 0, 13, 10]), (0, .7, [0, 0, 10, 10])])["ap50"][0] - 1) < 1e-12
    assert abs(one(2, [(0, sq), (1, far)], [(1, .9, sq), (1, .8, far)])["map50"] - 0.25) < 1e-12
    assert one(1, [(0, sq)], [])["map50"] == 0.0
    print("detection_metrics: hand-made cases agree with the C++ tests")


if __name__ == "__main__":
    _self_check()
