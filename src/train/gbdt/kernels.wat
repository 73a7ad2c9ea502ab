;; The inner loops of GBDT training, in WebAssembly (see wasm.ts for why and how they are loaded).
;; Source of kernels-wasm.ts: after editing, run `npm run build:wasm` (a test checks the two agree).
;;
;; Every address is a byte offset into the one shared memory that holds all training arrays
;; (memory.ts): typed-array views over it pass `byteOffset` + index x element size.
;; Histogram bins are 3 doubles [gradient, hessian, count] (histogram.ts, BIN_STRIDE); a gradient
;; pair is 2 doubles [gradient, hessian]. The gradient and hessian of a bin are added as one f64x2
;; (two IEEE additions, each exactly the scalar one), so sums are bit-identical to a scalar loop
;; that visits the rows in the same order.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Adds `size` rows into the histograms of four features. Row i: index at rows + 4i, gradient pair
  ;; at grads + 16i (gathered in row order); colK: feature K's bin column (a byte per row);
  ;; histK: feature K's histogram. Four features share each pass over the rows.
  (func (export "histogram4")
    (param $rows i32) (param $grads i32) (param $size i32)
    (param $col0 i32) (param $col1 i32) (param $col2 i32) (param $col3 i32)
    (param $hist0 i32) (param $hist1 i32) (param $hist2 i32) (param $hist3 i32)
    (local $end i32) (local $row i32) (local $gh v128) (local $at i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (local.set $row (i32.load (local.get $rows)))
        (local.set $gh (v128.load (local.get $grads)))
        (local.set $at (i32.add (local.get $hist0)
          (i32.mul (i32.load8_u (i32.add (local.get $col0) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64.const 1)))
        (local.set $at (i32.add (local.get $hist1)
          (i32.mul (i32.load8_u (i32.add (local.get $col1) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64.const 1)))
        (local.set $at (i32.add (local.get $hist2)
          (i32.mul (i32.load8_u (i32.add (local.get $col2) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64.const 1)))
        (local.set $at (i32.add (local.get $hist3)
          (i32.mul (i32.load8_u (i32.add (local.get $col3) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64.const 1)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $grads (i32.add (local.get $grads) (i32.const 16)))
        (br $next))))

  ;; histogram4 for three features.
  (func (export "histogram3")
    (param $rows i32) (param $grads i32) (param $size i32)
    (param $col0 i32) (param $col1 i32) (param $col2 i32)
    (param $hist0 i32) (param $hist1 i32) (param $hist2 i32)
    (local $end i32) (local $row i32) (local $gh v128) (local $at i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (local.set $row (i32.load (local.get $rows)))
        (local.set $gh (v128.load (local.get $grads)))
        (local.set $at (i32.add (local.get $hist0)
          (i32.mul (i32.load8_u (i32.add (local.get $col0) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64.const 1)))
        (local.set $at (i32.add (local.get $hist1)
          (i32.mul (i32.load8_u (i32.add (local.get $col1) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64.const 1)))
        (local.set $at (i32.add (local.get $hist2)
          (i32.mul (i32.load8_u (i32.add (local.get $col2) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64.const 1)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $grads (i32.add (local.get $grads) (i32.const 16)))
        (br $next))))

  ;; histogram4 for two features.
  (func (export "histogram2")
    (param $rows i32) (param $grads i32) (param $size i32)
    (param $col0 i32) (param $col1 i32)
    (param $hist0 i32) (param $hist1 i32)
    (local $end i32) (local $row i32) (local $gh v128) (local $at i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (local.set $row (i32.load (local.get $rows)))
        (local.set $gh (v128.load (local.get $grads)))
        (local.set $at (i32.add (local.get $hist0)
          (i32.mul (i32.load8_u (i32.add (local.get $col0) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64.const 1)))
        (local.set $at (i32.add (local.get $hist1)
          (i32.mul (i32.load8_u (i32.add (local.get $col1) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64.const 1)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $grads (i32.add (local.get $grads) (i32.const 16)))
        (br $next))))

  ;; histogram4 for one feature.
  (func (export "histogram1")
    (param $rows i32) (param $grads i32) (param $size i32) (param $col0 i32) (param $hist0 i32)
    (local $end i32) (local $at i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (local.set $at (i32.add (local.get $hist0)
          (i32.mul (i32.load8_u (i32.add (local.get $col0) (i32.load (local.get $rows)))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (v128.load (local.get $grads))))
        (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64.const 1)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $grads (i32.add (local.get $grads) (i32.const 16)))
        (br $next))))

  ;; histogram1..4 without the count: only the [gradient, hessian] pair of each bin is added (the count
  ;; lane is left as it is). For a node whose bin counts are known without a pass over its rows (the root
  ;; grown on every row): a row then costs one read-modify-write per feature instead of two.
  (func (export "histogramSums4")
    (param $rows i32) (param $grads i32) (param $size i32)
    (param $col0 i32) (param $col1 i32) (param $col2 i32) (param $col3 i32)
    (param $hist0 i32) (param $hist1 i32) (param $hist2 i32) (param $hist3 i32)
    (local $end i32) (local $row i32) (local $gh v128) (local $at i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (local.set $row (i32.load (local.get $rows)))
        (local.set $gh (v128.load (local.get $grads)))
        (local.set $at (i32.add (local.get $hist0)
          (i32.mul (i32.load8_u (i32.add (local.get $col0) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (local.set $at (i32.add (local.get $hist1)
          (i32.mul (i32.load8_u (i32.add (local.get $col1) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (local.set $at (i32.add (local.get $hist2)
          (i32.mul (i32.load8_u (i32.add (local.get $col2) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (local.set $at (i32.add (local.get $hist3)
          (i32.mul (i32.load8_u (i32.add (local.get $col3) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $grads (i32.add (local.get $grads) (i32.const 16)))
        (br $next))))

  (func (export "histogramSums3")
    (param $rows i32) (param $grads i32) (param $size i32)
    (param $col0 i32) (param $col1 i32) (param $col2 i32)
    (param $hist0 i32) (param $hist1 i32) (param $hist2 i32)
    (local $end i32) (local $row i32) (local $gh v128) (local $at i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (local.set $row (i32.load (local.get $rows)))
        (local.set $gh (v128.load (local.get $grads)))
        (local.set $at (i32.add (local.get $hist0)
          (i32.mul (i32.load8_u (i32.add (local.get $col0) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (local.set $at (i32.add (local.get $hist1)
          (i32.mul (i32.load8_u (i32.add (local.get $col1) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (local.set $at (i32.add (local.get $hist2)
          (i32.mul (i32.load8_u (i32.add (local.get $col2) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $grads (i32.add (local.get $grads) (i32.const 16)))
        (br $next))))

  (func (export "histogramSums2")
    (param $rows i32) (param $grads i32) (param $size i32)
    (param $col0 i32) (param $col1 i32)
    (param $hist0 i32) (param $hist1 i32)
    (local $end i32) (local $row i32) (local $gh v128) (local $at i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (local.set $row (i32.load (local.get $rows)))
        (local.set $gh (v128.load (local.get $grads)))
        (local.set $at (i32.add (local.get $hist0)
          (i32.mul (i32.load8_u (i32.add (local.get $col0) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (local.set $at (i32.add (local.get $hist1)
          (i32.mul (i32.load8_u (i32.add (local.get $col1) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $grads (i32.add (local.get $grads) (i32.const 16)))
        (br $next))))

  (func (export "histogramSums1")
    (param $rows i32) (param $grads i32) (param $size i32)
    (param $col0 i32)
    (param $hist0 i32)
    (local $end i32) (local $row i32) (local $gh v128) (local $at i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (local.set $row (i32.load (local.get $rows)))
        (local.set $gh (v128.load (local.get $grads)))
        (local.set $at (i32.add (local.get $hist0)
          (i32.mul (i32.load8_u (i32.add (local.get $col0) (local.get $row))) (i32.const 24))))
        (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $grads (i32.add (local.get $grads) (i32.const 16)))
        (br $next))))

  ;; Copies the gradient pairs of `size` rows into `to`, in row order ("ordered gradients"): pair i is
  ;; the one at from + 16 x (index at rows + 4i).
  (func (export "gather") (param $rows i32) (param $size i32) (param $from i32) (param $to i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (v128.store (local.get $to)
          (v128.load (i32.add (local.get $from) (i32.shl (i32.load (local.get $rows)) (i32.const 4)))))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $to (i32.add (local.get $to) (i32.const 16)))
        (br $next))))

  ;; Stable partition of the `size` row indices at `rows` by their bins in `column` (a byte per row):
  ;; rows whose bin b has sides[b] = 1 go left, compacted in place in row order; the others are written
  ;; to `spare` in row order (the caller copies them back after the left ones). Returns the left count.
  ;; Branch-free: both cursors are written, one advances (a left/right branch is mispredicted half the time).
  (func (export "partition")
    (param $rows i32) (param $size i32) (param $column i32) (param $sides i32) (param $spare i32) (result i32)
    (local $read i32) (local $end i32) (local $write i32) (local $row i32) (local $left i32)
    (local.set $read (local.get $rows))
    (local.set $write (local.get $rows))
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $read) (local.get $end)))
        (local.set $row (i32.load (local.get $read)))
        (local.set $left
          (i32.load8_u (i32.add (local.get $sides) (i32.load8_u (i32.add (local.get $column) (local.get $row))))))
        (i32.store (local.get $write) (local.get $row))
        (i32.store (local.get $spare) (local.get $row))
        (local.set $write (i32.add (local.get $write) (i32.shl (local.get $left) (i32.const 2))))
        (local.set $spare (i32.add (local.get $spare) (i32.shl (i32.xor (local.get $left) (i32.const 1)) (i32.const 2))))
        (local.set $read (i32.add (local.get $read) (i32.const 4)))
        (br $next)))
    (i32.shr_u (i32.sub (local.get $write) (local.get $rows)) (i32.const 2)))

  ;; One chunk of a parallel partition: the `size` row indices at `rows` go to `out` (size entries): left
  ;; ones ascending from its start, right ones descending from its end. Returns the left count.
  (func (export "partitionChunk")
    (param $rows i32) (param $size i32) (param $column i32) (param $sides i32) (param $out i32) (result i32)
    (local $read i32) (local $end i32) (local $right i32) (local $row i32) (local $left i32) (local $write i32)
    (local.set $read (local.get $rows))
    (local.set $write (local.get $out))
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $size) (i32.const 2))))
    (local.set $right (i32.sub (i32.add (local.get $out) (i32.shl (local.get $size) (i32.const 2))) (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $read) (local.get $end)))
        (local.set $row (i32.load (local.get $read)))
        (local.set $left
          (i32.load8_u (i32.add (local.get $sides) (i32.load8_u (i32.add (local.get $column) (local.get $row))))))
        (i32.store (select (local.get $write) (local.get $right) (local.get $left)) (local.get $row))
        (local.set $write (i32.add (local.get $write) (i32.shl (local.get $left) (i32.const 2))))
        (local.set $right (i32.sub (local.get $right) (i32.shl (i32.xor (local.get $left) (i32.const 1)) (i32.const 2))))
        (local.set $read (i32.add (local.get $read) (i32.const 4)))
        (br $next)))
    (i32.shr_u (i32.sub (local.get $write) (local.get $out)) (i32.const 2)))

  ;; Marks the `size` row indices at `rows` as rows of leaf `leaf`: the u16 at leaves + 2 x row.
  (func (export "markLeaf") (param $rows i32) (param $size i32) (param $leaves i32) (param $leaf i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (i32.store16 (i32.add (local.get $leaves) (i32.shl (i32.load (local.get $rows)) (i32.const 1))) (local.get $leaf))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (br $next))))

  ;; Score update of `size` consecutive rows from their leaves (u16 each at `leaves`): adds the leaf's
  ;; f64 at values + 8 x leaf to the row's score (at `scores`, `stride` bytes apart) and, when `exp` is
  ;; not 0, multiplies the row's f64 at `exp` (8 bytes apart) by the leaf's factor at factors + 8 x leaf.
  (func (export "applyLeafValues")
    (param $leaves i32) (param $size i32) (param $scores i32) (param $stride i32) (param $exp i32)
    (param $values i32) (param $factors i32)
    (local $end i32) (local $leaf i32)
    (local.set $end (i32.add (local.get $leaves) (i32.shl (local.get $size) (i32.const 1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $leaves) (local.get $end)))
        (local.set $leaf (i32.shl (i32.load16_u (local.get $leaves)) (i32.const 3)))
        (f64.store (local.get $scores)
          (f64.add (f64.load (local.get $scores)) (f64.load (i32.add (local.get $values) (local.get $leaf)))))
        (if (local.get $exp)
          (then
            (f64.store (local.get $exp)
              (f64.mul (f64.load (local.get $exp)) (f64.load (i32.add (local.get $factors) (local.get $leaf)))))
            (local.set $exp (i32.add (local.get $exp) (i32.const 8)))))
        (local.set $scores (i32.add (local.get $scores) (local.get $stride)))
        (local.set $leaves (i32.add (local.get $leaves) (i32.const 2)))
        (br $next))))

  ;; Binary log-loss gradients of `count` consecutive rows (objectives.ts, binaryGradientKernel): row i's
  ;; score, label and e^-score at scores, target, exp + 8i; writes its [p - y, max(p (1 - p), 1e-16)] to
  ;; grads + 16i. Adds max(s, 0) - y s of each row, in row order, to the f64 at `linear`; returns the
  ;; product of the rows' 1 + e^-|s|. The same IEEE operations in the same order as the JavaScript form.
  (func (export "binaryGradients")
    (param $scores i32) (param $target i32) (param $exp i32) (param $grads i32) (param $count i32)
    (param $linear i32) (result f64)
    (local $end i32) (local $s f64) (local $y f64) (local $q f64) (local $e f64) (local $inverse f64)
    (local $p f64) (local $positive i32) (local $sum f64) (local $product f64)
    (local $S v128) (local $Y v128) (local $POS v128) (local $E v128) (local $INV v128) (local $P v128)
    (local $LIN v128) (local $F v128) (local $G v128) (local $H v128)
    (local.set $product (f64.const 1))
    (local.set $sum (f64.load (local.get $linear)))
    (local.set $end (i32.add (local.get $scores) (i32.shl (local.get $count) (i32.const 3))))
    ;; Two rows at a time (each lane the scalar operations below); the sum and the product stay in row order.
    (block $pairsDone
      (loop $pairs
        (br_if $pairsDone (i32.gt_u (i32.add (local.get $scores) (i32.const 16)) (local.get $end)))
        (local.set $S (v128.load (local.get $scores)))
        (local.set $Y (v128.load (local.get $target)))
        (local.set $POS (f64x2.ge (local.get $S) (v128.const f64x2 0 0)))
        (local.set $E (v128.bitselect
          (v128.load (local.get $exp))
          (f64x2.div (v128.const f64x2 1 1) (v128.load (local.get $exp)))
          (local.get $POS)))
        (local.set $F (f64x2.add (v128.const f64x2 1 1) (local.get $E)))
        (local.set $INV (f64x2.div (v128.const f64x2 1 1) (local.get $F)))
        (local.set $P (v128.bitselect (local.get $INV) (f64x2.mul (local.get $E) (local.get $INV)) (local.get $POS)))
        (local.set $LIN (f64x2.sub (f64x2.max (local.get $S) (v128.const f64x2 0 0)) (f64x2.mul (local.get $Y) (local.get $S))))
        (local.set $sum (f64.add (f64.add (local.get $sum) (f64x2.extract_lane 0 (local.get $LIN)))
          (f64x2.extract_lane 1 (local.get $LIN))))
        (local.set $product (f64.mul (f64.mul (local.get $product) (f64x2.extract_lane 0 (local.get $F)))
          (f64x2.extract_lane 1 (local.get $F))))
        (local.set $G (f64x2.sub (local.get $P) (local.get $Y)))
        (local.set $H (f64x2.max
          (f64x2.mul (local.get $P) (f64x2.sub (v128.const f64x2 1 1) (local.get $P)))
          (v128.const f64x2 1e-16 1e-16)))
        ;; [g0, h0] and [g1, h1]
        (v128.store (local.get $grads)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $G) (local.get $H)))
        (v128.store offset=16 (local.get $grads)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $G) (local.get $H)))
        (local.set $scores (i32.add (local.get $scores) (i32.const 16)))
        (local.set $target (i32.add (local.get $target) (i32.const 16)))
        (local.set $exp (i32.add (local.get $exp) (i32.const 16)))
        (local.set $grads (i32.add (local.get $grads) (i32.const 32)))
        (br $pairs)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $scores) (local.get $end)))
        (local.set $s (f64.load (local.get $scores)))
        (local.set $y (f64.load (local.get $target)))
        (local.set $q (f64.load (local.get $exp)))
        (local.set $positive (f64.ge (local.get $s) (f64.const 0)))
        ;; e = e^-|s|, p = 1 / (1 + e^-s)
        (local.set $e (select (local.get $q) (f64.div (f64.const 1) (local.get $q)) (local.get $positive)))
        (local.set $inverse (f64.div (f64.const 1) (f64.add (f64.const 1) (local.get $e))))
        (local.set $p (select (local.get $inverse) (f64.mul (local.get $e) (local.get $inverse)) (local.get $positive)))
        (local.set $sum (f64.add (local.get $sum)
          (f64.sub (f64.max (local.get $s) (f64.const 0)) (f64.mul (local.get $y) (local.get $s)))))
        (local.set $product (f64.mul (local.get $product) (f64.add (f64.const 1) (local.get $e))))
        (f64.store (local.get $grads) (f64.sub (local.get $p) (local.get $y)))
        (f64.store offset=8 (local.get $grads)
          (f64.max (f64.mul (local.get $p) (f64.sub (f64.const 1) (local.get $p))) (f64.const 1e-16)))
        (local.set $scores (i32.add (local.get $scores) (i32.const 8)))
        (local.set $target (i32.add (local.get $target) (i32.const 8)))
        (local.set $exp (i32.add (local.get $exp) (i32.const 8)))
        (local.set $grads (i32.add (local.get $grads) (i32.const 16)))
        (br $next)))
    (f64.store (local.get $linear) (local.get $sum))
    (local.get $product))

  ;; Adds `size` doubles at `from` into those at `to` (each lane one IEEE addition, as a scalar loop),
  ;; then zeroes them at `from`: a partial histogram merged into its node's, ready for the next node.
  (func (export "mergeInto") (param $to i32) (param $from i32) (param $size i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $from) (i32.shl (local.get $size) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (i32.add (local.get $from) (i32.const 8)) (local.get $end)))
        (v128.store (local.get $to) (f64x2.add (v128.load (local.get $to)) (v128.load (local.get $from))))
        (v128.store (local.get $from) (v128.const i64x2 0 0))
        (local.set $to (i32.add (local.get $to) (i32.const 16)))
        (local.set $from (i32.add (local.get $from) (i32.const 16)))
        (br $next)))
    (if (i32.lt_u (local.get $from) (local.get $end))
      (then
        (f64.store (local.get $to) (f64.add (f64.load (local.get $to)) (f64.load (local.get $from))))
        (f64.store (local.get $from) (f64.const 0)))))

  ;; Subtracts `size` doubles at `from` from those at `to` (the larger child's histogram from its
  ;; parent's, in the parent's slot); each lane one IEEE subtraction.
  (func (export "subtractFrom") (param $to i32) (param $from i32) (param $size i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $from) (i32.shl (local.get $size) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (i32.add (local.get $from) (i32.const 8)) (local.get $end)))
        (v128.store (local.get $to) (f64x2.sub (v128.load (local.get $to)) (v128.load (local.get $from))))
        (local.set $to (i32.add (local.get $to) (i32.const 16)))
        (local.set $from (i32.add (local.get $from) (i32.const 16)))
        (br $next)))
    (if (i32.lt_u (local.get $from) (local.get $end))
      (then (f64.store (local.get $to) (f64.sub (f64.load (local.get $to)) (f64.load (local.get $from)))))))

  ;; Copies `count` row indices stored backwards (the last one at `from`, the first at from + 4 (count - 1))
  ;; to `to` in row order: the right part of a partitionChunk.
  (func (export "copyReversed") (param $from i32) (param $count i32) (param $to i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $to) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $from (i32.add (local.get $from) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $to) (local.get $end)))
        (local.set $from (i32.sub (local.get $from) (i32.const 4)))
        (i32.store (local.get $to) (i32.load (local.get $from)))
        (local.set $to (i32.add (local.get $to) (i32.const 4)))
        (br $next))))
)
