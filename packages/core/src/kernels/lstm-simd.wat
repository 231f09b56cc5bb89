;; The per-step gate kernels of lstmSequence (lstm-sequence-kernels.ts) and Adam's update (train/adam-kernel.ts)
;; in WebAssembly SIMD (f32x4), run on tfjs-backend-wasm's own heap: the module imports the backend's memory, so
;; the kernels read and write the tensors where they are, without a copy. Compiled by scripts/build-wasm.mjs into
;; lstm-simd.wasm.ts (twice: this text with a plain memory import, and with a shared one for the threaded build).
;;
;; Same arithmetic as forwardRows/backwardRows, in float32 (the JS loops use float64 then round): every gate
;; block H must be a multiple of 4; pointers are byte offsets of the first row of the step (the caller adds t).
;; exp (inside $sigmoid) is Cephes' expf (range reduction by n ln 2 in two parts, degree-6 polynomial, 2^n from the exponent
;; bits), relative error ≈ 1e-7; arguments are clamped to [-87.3, 88.3] so that 2^n stays a normal float.
(module
  (import "env" "memory" (memory 1 MEMORY_LIMITS))

  ;; σ(x) = 1 / (1 + e^−x), with e^−x (the expf above) computed here: V8 does not inline wasm calls, and a call
  ;; per gate was ≈ 5 % of a training worker's time.
  (func $sigmoid (param $a v128) (result v128)
    (local $x v128) (local $n v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.neg (local.get $a)))
    (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3))
                             (v128.const f32x4 88.3 88.3 88.3 88.3)))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
    (local.set $r (f32x4.sub (f32x4.sub (local.get $x)
                                        (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
                             (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
                             (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $p)
               (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23)))
    (local.set $p)
    (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $p))))

  ;; tanh x = 1 − 2 / (e^2x + 1) = 1 − 2 σ(−2x) (bit-identical: the same e^2x, and · 2 is exact)
  (func $tanh (param $a v128) (result v128)
    (f32x4.sub (v128.const f32x4 1 1 1 1)
               (f32x4.mul (v128.const f32x4 2 2 2 2) (call $sigmoid (f32x4.neg (f32x4.add (local.get $a) (local.get $a)))))))

  ;; One forward step, B rows (see stepKernel): zx and rec `[B, 4H]` rows of the step, cPrev `[B, H]`, peep `[3H]`
  ;; (hasPeep 0: none), outputs act `[B, 5H]` = [i, f, g, o, tanh c], c and h `[B, H]`. Offsets in bytes.
  (func (export "forward")
    (param $B i32) (param $H i32) (param $zx i32) (param $rec i32) (param $cPrev i32) (param $peep i32) (param $hasPeep i32)
    (param $act i32) (param $c i32) (param $h i32)
    (local $b i32) (local $j i32) (local $hb i32) (local $zr i32) (local $rr i32) (local $sr i32) (local $ar i32)
    (local $cp v128) (local $ai v128) (local $af v128) (local $ag v128) (local $ao v128)
    (local $i v128) (local $f v128) (local $g v128) (local $o v128) (local $cn v128) (local $tc v128)
    (local.set $hb (i32.shl (local.get $H) (i32.const 2)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $b) (local.get $B)))
        (local.set $zr (i32.add (local.get $zx) (i32.mul (local.get $b) (i32.shl (local.get $hb) (i32.const 2)))))
        (local.set $rr (i32.add (local.get $rec) (i32.mul (local.get $b) (i32.shl (local.get $hb) (i32.const 2)))))
        (local.set $sr (i32.mul (local.get $b) (local.get $hb)))
        (local.set $ar (i32.add (local.get $act) (i32.mul (local.get $sr) (i32.const 5))))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $hb)))
            (local.set $cp (v128.load (i32.add (i32.add (local.get $cPrev) (local.get $sr)) (local.get $j))))
            (local.set $ai (f32x4.add (v128.load (i32.add (local.get $zr) (local.get $j)))
                                      (v128.load (i32.add (local.get $rr) (local.get $j)))))
            (local.set $af (f32x4.add (v128.load (i32.add (i32.add (local.get $zr) (local.get $hb)) (local.get $j)))
                                      (v128.load (i32.add (i32.add (local.get $rr) (local.get $hb)) (local.get $j)))))
            (local.set $ag (f32x4.add (v128.load (i32.add (i32.add (local.get $zr) (i32.shl (local.get $hb) (i32.const 1))) (local.get $j)))
                                      (v128.load (i32.add (i32.add (local.get $rr) (i32.shl (local.get $hb) (i32.const 1))) (local.get $j)))))
            (local.set $ao (f32x4.add (v128.load (i32.add (i32.add (local.get $zr) (i32.mul (local.get $hb) (i32.const 3))) (local.get $j)))
                                      (v128.load (i32.add (i32.add (local.get $rr) (i32.mul (local.get $hb) (i32.const 3))) (local.get $j)))))
            (if (local.get $hasPeep)
              (then
                (local.set $ai (f32x4.add (local.get $ai) (f32x4.mul (v128.load (i32.add (local.get $peep) (local.get $j))) (local.get $cp))))
                (local.set $af (f32x4.add (local.get $af)
                                          (f32x4.mul (v128.load (i32.add (i32.add (local.get $peep) (local.get $hb)) (local.get $j))) (local.get $cp))))))
            (local.set $i (call $sigmoid (local.get $ai)))
            (local.set $f (call $sigmoid (local.get $af)))
            (local.set $g (call $tanh (local.get $ag)))
            (local.set $cn (f32x4.add (f32x4.mul (local.get $f) (local.get $cp)) (f32x4.mul (local.get $i) (local.get $g))))
            (if (local.get $hasPeep)
              (then
                (local.set $ao (f32x4.add (local.get $ao)
                                          (f32x4.mul (v128.load (i32.add (i32.add (local.get $peep) (i32.shl (local.get $hb) (i32.const 1))) (local.get $j)))
                                                     (local.get $cn))))))
            (local.set $o (call $sigmoid (local.get $ao)))
            (local.set $tc (call $tanh (local.get $cn)))
            (v128.store (i32.add (local.get $ar) (local.get $j)) (local.get $i))
            (v128.store (i32.add (i32.add (local.get $ar) (local.get $hb)) (local.get $j)) (local.get $f))
            (v128.store (i32.add (i32.add (local.get $ar) (i32.shl (local.get $hb) (i32.const 1))) (local.get $j)) (local.get $g))
            (v128.store (i32.add (i32.add (local.get $ar) (i32.mul (local.get $hb) (i32.const 3))) (local.get $j)) (local.get $o))
            (v128.store (i32.add (i32.add (local.get $ar) (i32.shl (local.get $hb) (i32.const 2))) (local.get $j)) (local.get $tc))
            (v128.store (i32.add (i32.add (local.get $c) (local.get $sr)) (local.get $j)) (local.get $cn))
            (v128.store (i32.add (i32.add (local.get $h) (local.get $sr)) (local.get $j)) (f32x4.mul (local.get $o) (local.get $tc)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $cols)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $rows))))

  ;; One backward step, B rows (see stepGradKernel): dy, nx (dc_{t+1}' rows: dcNext, or dy row T), act, cPrev
  ;; (cs row t) and cNext (cs row t + 1) point at the step's first row; dRec `[B, H]` (hasRec 0: none); peep
  ;; `[3H]` and dPeep `[3H]` (the running peephole-gradient sum, updated in place) when hasPeep; clip ≥ 0, or
  ;; +inf for none. Outputs δz `[B, 4H]` and dc_t' `[B, H]`.
  (func (export "backward")
    (param $B i32) (param $H i32) (param $clip f32) (param $dy i32) (param $dRec i32) (param $hasRec i32) (param $nx i32)
    (param $act i32) (param $cPrev i32) (param $cNext i32) (param $peep i32) (param $dPeep i32) (param $hasPeep i32)
    (param $dz i32) (param $dcOut i32)
    (local $b i32) (local $j i32) (local $hb i32) (local $sr i32) (local $ar i32) (local $zr i32)
    (local $hi v128) (local $lo v128) (local $one v128)
    (local $i v128) (local $f v128) (local $g v128) (local $o v128) (local $tc v128) (local $cp v128)
    (local $dh v128) (local $dao v128) (local $dc v128) (local $dai v128) (local $daf v128) (local $dag v128) (local $dcp v128)
    (local.set $hb (i32.shl (local.get $H) (i32.const 2)))
    (local.set $hi (f32x4.splat (local.get $clip)))
    (local.set $lo (f32x4.neg (local.get $hi)))
    (local.set $one (v128.const f32x4 1 1 1 1))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $b) (local.get $B)))
        (local.set $sr (i32.mul (local.get $b) (local.get $hb)))
        (local.set $ar (i32.add (local.get $act) (i32.mul (local.get $sr) (i32.const 5))))
        (local.set $zr (i32.add (local.get $dz) (i32.shl (local.get $sr) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $hb)))
            (local.set $i (v128.load (i32.add (local.get $ar) (local.get $j))))
            (local.set $f (v128.load (i32.add (i32.add (local.get $ar) (local.get $hb)) (local.get $j))))
            (local.set $g (v128.load (i32.add (i32.add (local.get $ar) (i32.shl (local.get $hb) (i32.const 1))) (local.get $j))))
            (local.set $o (v128.load (i32.add (i32.add (local.get $ar) (i32.mul (local.get $hb) (i32.const 3))) (local.get $j))))
            (local.set $tc (v128.load (i32.add (i32.add (local.get $ar) (i32.shl (local.get $hb) (i32.const 2))) (local.get $j))))
            (local.set $cp (v128.load (i32.add (i32.add (local.get $cPrev) (local.get $sr)) (local.get $j))))
            (local.set $dh (v128.load (i32.add (i32.add (local.get $dy) (local.get $sr)) (local.get $j))))
            (if (local.get $hasRec)
              (then (local.set $dh (f32x4.add (local.get $dh) (v128.load (i32.add (i32.add (local.get $dRec) (local.get $sr)) (local.get $j)))))))
            ;; δa_o = clip(dh tanh(c) o (1 − o))
            (local.set $dao (f32x4.min (f32x4.max
              (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dh) (local.get $tc)) (local.get $o)) (f32x4.sub (local.get $one) (local.get $o)))
              (local.get $lo)) (local.get $hi)))
            ;; dc = dc_{t+1}' + dh o (1 − tanh² c) + δa_o p_o
            (local.set $dc (f32x4.add (v128.load (i32.add (i32.add (local.get $nx) (local.get $sr)) (local.get $j)))
                                      (f32x4.mul (f32x4.mul (local.get $dh) (local.get $o))
                                                 (f32x4.sub (local.get $one) (f32x4.mul (local.get $tc) (local.get $tc))))))
            (if (local.get $hasPeep)
              (then
                (local.set $dc (f32x4.add (local.get $dc)
                  (f32x4.mul (local.get $dao) (v128.load (i32.add (i32.add (local.get $peep) (i32.shl (local.get $hb) (i32.const 1))) (local.get $j))))))))
            ;; δa_i = clip(dc g i(1−i)), δa_f = clip(dc c_{t−1} f(1−f)), δa_g = clip(dc i (1−g²))
            (local.set $dai (f32x4.min (f32x4.max
              (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dc) (local.get $g)) (local.get $i)) (f32x4.sub (local.get $one) (local.get $i)))
              (local.get $lo)) (local.get $hi)))
            (local.set $daf (f32x4.min (f32x4.max
              (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dc) (local.get $cp)) (local.get $f)) (f32x4.sub (local.get $one) (local.get $f)))
              (local.get $lo)) (local.get $hi)))
            (local.set $dag (f32x4.min (f32x4.max
              (f32x4.mul (f32x4.mul (local.get $dc) (local.get $i)) (f32x4.sub (local.get $one) (f32x4.mul (local.get $g) (local.get $g))))
              (local.get $lo)) (local.get $hi)))
            ;; dc_t' = dc f + δa_i p_i + δa_f p_f; peephole sums
            (local.set $dcp (f32x4.mul (local.get $dc) (local.get $f)))
            (if (local.get $hasPeep)
              (then
                (local.set $dcp (f32x4.add (local.get $dcp)
                  (f32x4.add (f32x4.mul (local.get $dai) (v128.load (i32.add (local.get $peep) (local.get $j))))
                             (f32x4.mul (local.get $daf) (v128.load (i32.add (i32.add (local.get $peep) (local.get $hb)) (local.get $j)))))))
                (v128.store (i32.add (local.get $dPeep) (local.get $j))
                  (f32x4.add (v128.load (i32.add (local.get $dPeep) (local.get $j))) (f32x4.mul (local.get $dai) (local.get $cp))))
                (v128.store (i32.add (i32.add (local.get $dPeep) (local.get $hb)) (local.get $j))
                  (f32x4.add (v128.load (i32.add (i32.add (local.get $dPeep) (local.get $hb)) (local.get $j))) (f32x4.mul (local.get $daf) (local.get $cp))))
                (v128.store (i32.add (i32.add (local.get $dPeep) (i32.shl (local.get $hb) (i32.const 1))) (local.get $j))
                  (f32x4.add (v128.load (i32.add (i32.add (local.get $dPeep) (i32.shl (local.get $hb) (i32.const 1))) (local.get $j)))
                             (f32x4.mul (local.get $dao) (v128.load (i32.add (i32.add (local.get $cNext) (local.get $sr)) (local.get $j))))))))
            (v128.store (i32.add (local.get $zr) (local.get $j)) (local.get $dai))
            (v128.store (i32.add (i32.add (local.get $zr) (local.get $hb)) (local.get $j)) (local.get $daf))
            (v128.store (i32.add (i32.add (local.get $zr) (i32.shl (local.get $hb) (i32.const 1))) (local.get $j)) (local.get $dag))
            (v128.store (i32.add (i32.add (local.get $zr) (i32.mul (local.get $hb) (i32.const 3))) (local.get $j)) (local.get $dao))
            (v128.store (i32.add (i32.add (local.get $dcOut) (local.get $sr)) (local.get $j)) (local.get $dcp))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $cols)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $rows))))
  ;; Adam's update of n floats (see train/adam-kernel.ts): m' = β1 m + c1 g, v' = β2 v + c2 g², w' = w − (m'/d1 · lr) /
  ;; (√(v'/d2) + eps), every operation in float32 in that order (c1 = 1 − β1, d1 = 1 − β1^t, … rounded by the caller).
  (func (export "adam")
    (param $n i32) (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $wo i32) (param $mo i32) (param $vo i32)
    (param $b1 f32) (param $b2 f32) (param $c1 f32) (param $c2 f32) (param $d1 f32) (param $d2 f32) (param $lr f32) (param $eps f32)
    (local $k i32) (local $end i32) (local $gk v128) (local $mk v128) (local $vk v128)
    (local $sg f32) (local $sm f32) (local $sv f32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $gk (v128.load (i32.add (local.get $g) (local.get $k))))
        (local.set $mk (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $k))) (f32x4.splat (local.get $b1)))
                                  (f32x4.mul (local.get $gk) (f32x4.splat (local.get $c1)))))
        (local.set $vk (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $k))) (f32x4.splat (local.get $b2)))
                                  (f32x4.mul (f32x4.mul (local.get $gk) (local.get $gk)) (f32x4.splat (local.get $c2)))))
        (v128.store (i32.add (local.get $mo) (local.get $k)) (local.get $mk))
        (v128.store (i32.add (local.get $vo) (local.get $k)) (local.get $vk))
        (v128.store (i32.add (local.get $wo) (local.get $k))
          (f32x4.sub (v128.load (i32.add (local.get $w) (local.get $k)))
                     (f32x4.div (f32x4.mul (f32x4.div (local.get $mk) (f32x4.splat (local.get $d1))) (f32x4.splat (local.get $lr)))
                                (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vk) (f32x4.splat (local.get $d2)))) (f32x4.splat (local.get $eps))))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $sg (f32.load (i32.add (local.get $g) (local.get $k))))
        (local.set $sm (f32.add (f32.mul (f32.load (i32.add (local.get $m) (local.get $k))) (local.get $b1)) (f32.mul (local.get $sg) (local.get $c1))))
        (local.set $sv (f32.add (f32.mul (f32.load (i32.add (local.get $v) (local.get $k))) (local.get $b2))
                                (f32.mul (f32.mul (local.get $sg) (local.get $sg)) (local.get $c2))))
        (f32.store (i32.add (local.get $mo) (local.get $k)) (local.get $sm))
        (f32.store (i32.add (local.get $vo) (local.get $k)) (local.get $sv))
        (f32.store (i32.add (local.get $wo) (local.get $k))
          (f32.sub (f32.load (i32.add (local.get $w) (local.get $k)))
                   (f32.div (f32.mul (f32.div (local.get $sm) (local.get $d1)) (local.get $lr))
                            (f32.add (f32.sqrt (f32.div (local.get $sv) (local.get $d2))) (local.get $eps)))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $tail))))

  ;; ---- Matrix products (the BatchMatMul kernel of kernels/wasm-kernels.ts and the recurrent products of the
  ;; sequence kernels). B is first packed into panels of 8 columns: panel p (columns 8p..8p+7) is K rows of 8
  ;; floats, zeros past column N, the panels one after another (K·32 bytes apart). The product then reads each
  ;; panel as one contiguous run (no 4 KiB-strided rows: those alias in L1) and keeps a 4 × 8 block of C in 8
  ;; registers: per k, 2 loads of B, 4 splats of A, 8 multiply-adds (f32x4.mul then f32x4.add, rounded like
  ;; the JS reference). Sums run over k in order, k = 0 first.

  ;; B [K, N] (row stride ldb floats) → panels at out.
  (func (export "pack_b") (param $K i32) (param $N i32) (param $b i32) (param $ldb i32) (param $out i32)
    (local $j i32) (local $k i32) (local $q i32) (local $w i32) (local $src i32) (local $dst i32) (local $rowb i32)
    (local.set $rowb (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $dst (local.get $out))
    (block $done (loop $panels
      (br_if $done (i32.ge_u (local.get $j) (local.get $N)))
      (local.set $w (i32.sub (local.get $N) (local.get $j)))
      (local.set $src (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $k (local.get $K))
      (if (i32.ge_u (local.get $w) (i32.const 8))
        (then
          (loop $rows
            (v128.store (local.get $dst) (v128.load (local.get $src)))
            (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $rowb)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (br_if $rows (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
        (else
          (loop $rows
            (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
            (v128.store offset=16 (local.get $dst) (v128.const i32x4 0 0 0 0))
            (local.set $q (i32.const 0))
            (loop $cols
              (f32.store (i32.add (local.get $dst) (i32.shl (local.get $q) (i32.const 2)))
                         (f32.load (i32.add (local.get $src) (i32.shl (local.get $q) (i32.const 2)))))
              (br_if $cols (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (local.get $w))))
            (local.set $src (i32.add (local.get $src) (local.get $rowb)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (br_if $rows (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br $panels)))
  )

  ;; B = Wᵀ for W [N, K] (row stride ldw floats) → panels at out (what δz·W_hᵀ multiplies by).
  (func (export "pack_bt") (param $K i32) (param $N i32) (param $wt i32) (param $ldw i32) (param $out i32)
    (local $j i32) (local $k i32) (local $q i32) (local $w i32) (local $src i32) (local $dst i32) (local $panel i32)
    (local $rowb i32) (local $pbytes i32)
    (local.set $rowb (i32.shl (local.get $ldw) (i32.const 2)))
    (local.set $pbytes (i32.shl (local.get $K) (i32.const 5)))
    (local.set $panel (local.get $out))
    (block $done (loop $panels
      (br_if $done (i32.ge_u (local.get $j) (local.get $N)))
      (local.set $w (i32.sub (local.get $N) (local.get $j)))
      (if (i32.lt_u (local.get $w) (i32.const 8))
        (then
          (local.set $dst (local.get $panel))
          (local.set $k (local.get $K))
          (loop $zero
            (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
            (v128.store offset=16 (local.get $dst) (v128.const i32x4 0 0 0 0))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (br_if $zero (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
        (else (local.set $w (i32.const 8))))
      (local.set $q (i32.const 0))
      (loop $cols
        (local.set $src (i32.add (local.get $wt) (i32.mul (i32.add (local.get $j) (local.get $q)) (local.get $rowb))))
        (local.set $dst (i32.add (local.get $panel) (i32.shl (local.get $q) (i32.const 2))))
        (local.set $k (local.get $K))
        (loop $rows
          (f32.store (local.get $dst) (f32.load (local.get $src)))
          (local.set $src (i32.add (local.get $src) (i32.const 4)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
          (br_if $rows (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (br_if $cols (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (local.get $w))))
      (local.set $panel (i32.add (local.get $panel) (local.get $pbytes)))
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br $panels)))
  )

  ;; Stores lanes 0..n−1 of v at p (n ≥ 4: all four), added to what is there when acc ≠ 0.
  (func $store4 (param $p i32) (param $v v128) (param $n i32) (param $acc i32)
    (if (i32.ge_s (local.get $n) (i32.const 4))
      (then
        (if (local.get $acc) (then (local.set $v (f32x4.add (v128.load (local.get $p)) (local.get $v)))))
        (v128.store (local.get $p) (local.get $v))
        (return)))
    (if (local.get $acc)
      (then (local.set $v (f32x4.add (local.get $v) (v128.load32_zero (local.get $p)))))) ;; lane 0 only; the rest below
    (if (i32.ge_s (local.get $n) (i32.const 1)) (then (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $v)))))
    (if (i32.ge_s (local.get $n) (i32.const 2))
      (then (f32.store offset=4 (local.get $p)
        (f32.add (f32x4.extract_lane 1 (local.get $v)) (select (f32.load offset=4 (local.get $p)) (f32.const 0) (local.get $acc))))))
    (if (i32.ge_s (local.get $n) (i32.const 3))
      (then (f32.store offset=8 (local.get $p)
        (f32.add (f32x4.extract_lane 2 (local.get $v)) (select (f32.load offset=8 (local.get $p)) (f32.const 0) (local.get $acc))))))
  )

  ;; Stores columns 0..n−1 (n ≥ 1) of a row of 8 held in two vectors.
  (func $store8 (param $p i32) (param $v0 v128) (param $v1 v128) (param $n i32) (param $acc i32)
    (call $store4 (local.get $p) (local.get $v0) (local.get $n) (local.get $acc))
    (if (i32.gt_s (local.get $n) (i32.const 4))
      (then (call $store4 (i32.add (local.get $p) (i32.const 16)) (local.get $v1) (i32.sub (local.get $n) (i32.const 4)) (local.get $acc))))
  )

  ;; C [M, N] (row stride ldc floats) = A [M, K] · B (+ C when acc ≠ 0). A[i][k] is at a + i·sai + k·sak bytes
  ;; (row-major: sai = 4·lda, sak = 4; A given transposed, as [K, M]: sai = 4, sak = 4·lda). B packed by
  ;; pack_b/pack_bt; bp is the first row to use in panel 0 and pstride the bytes between panels (K-blocking:
  ;; bp advanced by k0·32, pstride = K_packed·32). M, N, K ≥ 1.
  (func (export "gemm") (param $M i32) (param $N i32) (param $K i32) (param $a i32) (param $rowa i32) (param $sak i32)
        (param $bp i32) (param $pstride i32) (param $c i32) (param $ldc i32) (param $acc i32)
    (local $i i32) (local $j i32) (local $k i32) (local $last i32) (local $rowc i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $pb i32) (local $pj i32) (local $cj i32) (local $full i32)
    (local $b0 v128) (local $b1 v128) (local $s v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $rowc (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $last (i32.sub (local.get $M) (i32.const 1)))
    (block $idone (loop $rowblocks
      (br_if $idone (i32.ge_u (local.get $i) (local.get $M)))
        (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowa))))
        (local.set $a1 (i32.add (local.get $a) (i32.mul (select (i32.add (local.get $i) (i32.const 1)) (local.get $last)
                                                                         (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $M)))
                                                                 (local.get $rowa))))
        (local.set $a2 (i32.add (local.get $a) (i32.mul (select (i32.add (local.get $i) (i32.const 2)) (local.get $last)
                                                                         (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $M)))
                                                                 (local.get $rowa))))
        (local.set $a3 (i32.add (local.get $a) (i32.mul (select (i32.add (local.get $i) (i32.const 3)) (local.get $last)
                                                                         (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $M)))
                                                                 (local.get $rowa))))
      (local.set $j (i32.const 0))
      (local.set $pj (local.get $bp))
      (block $jdone (loop $panels
        (br_if $jdone (i32.ge_u (local.get $j) (local.get $N)))
        (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0)) (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0)) (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0)) (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
        (local.set $p0 (local.get $a0)) (local.set $p1 (local.get $a1))
        (local.set $p2 (local.get $a2)) (local.set $p3 (local.get $a3))
        (local.set $pb (local.get $pj))
        (local.set $k (local.get $K))
        (loop $ks
          (local.set $b0 (v128.load (local.get $pb)))
          (local.set $b1 (v128.load offset=16 (local.get $pb)))
            (local.set $s (v128.load32_splat (local.get $p0)))
            (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
            (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $p0 (i32.add (local.get $p0) (local.get $sak)))
            (local.set $s (v128.load32_splat (local.get $p1)))
            (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $b0))))
            (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $p1 (i32.add (local.get $p1) (local.get $sak)))
            (local.set $s (v128.load32_splat (local.get $p2)))
            (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $b0))))
            (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $p2 (i32.add (local.get $p2) (local.get $sak)))
            (local.set $s (v128.load32_splat (local.get $p3)))
            (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $b0))))
            (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $p3 (i32.add (local.get $p3) (local.get $sak)))
          (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
          (br_if $ks (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $cj (i32.add (local.get $c) (i32.add (i32.mul (local.get $i) (local.get $rowc)) (i32.shl (local.get $j) (i32.const 2)))))
        ;; A whole panel of 8 columns: two plain stores per row (the edge panel goes through $store8).
        (local.set $full (i32.ge_u (i32.sub (local.get $N) (local.get $j)) (i32.const 8)))
          (if (i32.gt_u (i32.sub (local.get $M) (local.get $i)) (i32.const 0))
            (then
              (local.set $p0 (i32.add (local.get $cj) (i32.mul (i32.const 0) (local.get $rowc))))
              (if (local.get $full)
                (then
                  (if (local.get $acc)
                    (then
                      (local.set $c00 (f32x4.add (v128.load (local.get $p0)) (local.get $c00)))
                      (local.set $c01 (f32x4.add (v128.load offset=16 (local.get $p0)) (local.get $c01)))))
                  (v128.store (local.get $p0) (local.get $c00))
                  (v128.store offset=16 (local.get $p0) (local.get $c01)))
                (else (call $store8 (local.get $p0) (local.get $c00) (local.get $c01) (i32.sub (local.get $N) (local.get $j)) (local.get $acc))))))
          (if (i32.gt_u (i32.sub (local.get $M) (local.get $i)) (i32.const 1))
            (then
              (local.set $p0 (i32.add (local.get $cj) (i32.mul (i32.const 1) (local.get $rowc))))
              (if (local.get $full)
                (then
                  (if (local.get $acc)
                    (then
                      (local.set $c10 (f32x4.add (v128.load (local.get $p0)) (local.get $c10)))
                      (local.set $c11 (f32x4.add (v128.load offset=16 (local.get $p0)) (local.get $c11)))))
                  (v128.store (local.get $p0) (local.get $c10))
                  (v128.store offset=16 (local.get $p0) (local.get $c11)))
                (else (call $store8 (local.get $p0) (local.get $c10) (local.get $c11) (i32.sub (local.get $N) (local.get $j)) (local.get $acc))))))
          (if (i32.gt_u (i32.sub (local.get $M) (local.get $i)) (i32.const 2))
            (then
              (local.set $p0 (i32.add (local.get $cj) (i32.mul (i32.const 2) (local.get $rowc))))
              (if (local.get $full)
                (then
                  (if (local.get $acc)
                    (then
                      (local.set $c20 (f32x4.add (v128.load (local.get $p0)) (local.get $c20)))
                      (local.set $c21 (f32x4.add (v128.load offset=16 (local.get $p0)) (local.get $c21)))))
                  (v128.store (local.get $p0) (local.get $c20))
                  (v128.store offset=16 (local.get $p0) (local.get $c21)))
                (else (call $store8 (local.get $p0) (local.get $c20) (local.get $c21) (i32.sub (local.get $N) (local.get $j)) (local.get $acc))))))
          (if (i32.gt_u (i32.sub (local.get $M) (local.get $i)) (i32.const 3))
            (then
              (local.set $p0 (i32.add (local.get $cj) (i32.mul (i32.const 3) (local.get $rowc))))
              (if (local.get $full)
                (then
                  (if (local.get $acc)
                    (then
                      (local.set $c30 (f32x4.add (v128.load (local.get $p0)) (local.get $c30)))
                      (local.set $c31 (f32x4.add (v128.load offset=16 (local.get $p0)) (local.get $c31)))))
                  (v128.store (local.get $p0) (local.get $c30))
                  (v128.store offset=16 (local.get $p0) (local.get $c31)))
                (else (call $store8 (local.get $p0) (local.get $c30) (local.get $c31) (i32.sub (local.get $N) (local.get $j)) (local.get $acc))))))
        (local.set $pj (i32.add (local.get $pj) (local.get $pstride)))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $panels)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $rowblocks)))
  )

  ;; out [C, R] = in [R, C]ᵀ (dense rows): 4 × 4 blocks transposed in registers (shuffles), the edges one by one.
  ;; For Aᵀ·B: gemm reads A's rows in order much faster than strided (tfjs's Transpose: 28.5 ms for 9600 × 1200, this 8.0).
  (func (export "transpose") (param $R i32) (param $C i32) (param $in i32) (param $out i32)
    (local $r i32) (local $c i32) (local $r4 i32) (local $c4 i32) (local $src i32) (local $dst i32) (local $rowi i32) (local $rowo i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rowi (i32.shl (local.get $C) (i32.const 2)))
    (local.set $rowo (i32.shl (local.get $R) (i32.const 2)))
    (local.set $r4 (i32.and (local.get $R) (i32.const -4)))
    (local.set $c4 (i32.and (local.get $C) (i32.const -4)))
    (block $rdone (loop $rows
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $r4)))
      (local.set $c (i32.const 0))
      (block $cdone (loop $cols
        (br_if $cdone (i32.ge_u (local.get $c) (local.get $c4)))
        (local.set $src (i32.add (local.get $in) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $C)) (local.get $c)) (i32.const 2))))
        (local.set $x0 (v128.load (local.get $src)))
        (local.set $x1 (v128.load (i32.add (local.get $src) (local.get $rowi))))
        (local.set $x2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $rowi) (i32.const 1)))))
        (local.set $x3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $rowi) (i32.const 3)))))
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x0) (local.get $x1)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x0) (local.get $x1)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x2) (local.get $x3)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x2) (local.get $x3)))
        (local.set $dst (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $R)) (local.get $r)) (i32.const 2))))
        (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $dst) (local.get $rowo))
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $rowo) (i32.const 1)))
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $rowo) (i32.const 3)))
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $cols)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $rows)))
    ;; the last C mod 4 columns of every row, then the last R mod 4 rows
    (local.set $r (i32.const 0))
    (block $edone (loop $erows
      (br_if $edone (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $c (select (local.get $c4) (i32.const 0) (i32.lt_u (local.get $r) (local.get $r4))))
      (block $ecdone (loop $ecols
        (br_if $ecdone (i32.ge_u (local.get $c) (local.get $C)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $R)) (local.get $r)) (i32.const 2)))
                   (f32.load (i32.add (local.get $in) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $C)) (local.get $c)) (i32.const 2)))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $ecols)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $erows)))
  )
;; out [C] = Σ_r x [R, C] row r, summed in row order in float32 (as ones·x multiplies): the bias gradients.
  (func (export "sum_rows") (param $R i32) (param $C i32) (param $x i32) (param $out i32)
    (local $r i32) (local $c i32) (local $c4 i32) (local $src i32) (local $dst i32)
    (local.set $c4 (i32.and (local.get $C) (i32.const -4)))
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $C) (i32.const 2)))
    (local.set $src (local.get $x))
    (block $rdone (loop $rows
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $dst (local.get $out))
      (local.set $c (i32.const 0))
      (block $cdone (loop $cols
        (br_if $cdone (i32.ge_u (local.get $c) (local.get $c4)))
        (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $cols)))
      (block $tdone (loop $tail
        (br_if $tdone (i32.ge_u (local.get $c) (local.get $C)))
        (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $tail)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows)))
  )
)
