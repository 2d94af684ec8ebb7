;; LZ4's default ("fast") block compressor: the same greedy algorithm, hash and acceleration as
;; lz4CompressFast in ../lz4-block.ts, so both produce the same bytes. WebAssembly gives it what
;; JavaScript lacks: unaligned 32/64-bit loads, count-trailing-zeros to extend a match 8 bytes at
;; a time, and bulk memory copies for literals.
;;
;; Memory layout (the caller's): bytes [0, 65536) are the hash table (16384 x i32 positions),
;; the block to compress and the output lie above it. Positions are absolute addresses, so a
;; cleared (zero) slot is below any block and never matches.
;;
;; Rebuild the embedded module after editing: node --import tsx scripts/build-wasm.ts
(module
  (memory (export "memory") 2)

  ;; Writes the 255-run encoding of a length remainder `l` at `d`; returns the new `d`.
  (func $writeLength (param $d i32) (param $l i32) (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.lt_u (local.get $l) (i32.const 255)))
        (i32.store8 (local.get $d) (i32.const 255))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (local.set $l (i32.sub (local.get $l) (i32.const 255)))
        (br $more)))
    (i32.store8 (local.get $d) (local.get $l))
    (i32.add (local.get $d) (i32.const 1)))

  ;; One sequence: token, literals [anchor, anchor + litLen), 16-bit offset, match length.
  (func $writeSequence (param $anchor i32) (param $litLen i32) (param $offset i32) (param $matchLen i32)
      (param $d i32) (result i32)
    (local $tokenAt i32) (local $token i32) (local $ml i32)
    (local.set $tokenAt (local.get $d))
    (local.set $d (i32.add (local.get $d) (i32.const 1)))
    (if (i32.ge_u (local.get $litLen) (i32.const 15))
      (then
        (local.set $token (i32.const 0xf0))
        (local.set $d (call $writeLength (local.get $d) (i32.sub (local.get $litLen) (i32.const 15)))))
      (else
        (local.set $token (i32.shl (local.get $litLen) (i32.const 4)))))
    (memory.copy (local.get $d) (local.get $anchor) (local.get $litLen))
    (local.set $d (i32.add (local.get $d) (local.get $litLen)))
    (i32.store16 (local.get $d) (local.get $offset))
    (local.set $d (i32.add (local.get $d) (i32.const 2)))
    (local.set $ml (i32.sub (local.get $matchLen) (i32.const 4)))
    (if (i32.ge_u (local.get $ml) (i32.const 15))
      (then
        (local.set $token (i32.or (local.get $token) (i32.const 15)))
        (local.set $d (call $writeLength (local.get $d) (i32.sub (local.get $ml) (i32.const 15)))))
      (else
        (local.set $token (i32.or (local.get $token) (local.get $ml)))))
    (i32.store8 (local.get $tokenAt) (local.get $token))
    (local.get $d))

  ;; Table slot (byte address) of the 4 bytes at `p`.
  (func $slot (param $p i32) (result i32)
    (i32.shl
      (i32.shr_u (i32.mul (i32.load (local.get $p)) (i32.const -1640531535)) (i32.const 18))
      (i32.const 2)))

  ;; Compresses the block [start, end) into `d`; returns the end of the output.
  (func (export "compress") (param $start i32) (param $end i32) (param $d i32) (result i32)
    (local $anchor i32) (local $ip i32) (local $ref i32) (local $seq i32) (local $h i32)
    (local $matchLimit i32) (local $mfLimit i32) (local $searches i32) (local $len i32)
    (local $x i64) (local $litLen i32)
    (local.set $anchor (local.get $start))
    (if (i32.ge_s (i32.sub (local.get $end) (local.get $start)) (i32.const 13))
      (then
        (memory.fill (i32.const 0) (i32.const 0) (i32.const 65536))
        (local.set $matchLimit (i32.sub (local.get $end) (i32.const 5)))
        (local.set $mfLimit (i32.sub (local.get $end) (i32.const 12)))
        (local.set $ip (local.get $start))
        ;; Acceleration: the step grows by one every 64 failed lookups since the last match.
        (local.set $searches (i32.const 64))
        (block $exit
          (loop $main
            (br_if $exit (i32.ge_u (local.get $ip) (local.get $mfLimit)))
            (local.set $seq (i32.load (local.get $ip)))
            (local.set $h
              (i32.shl
                (i32.shr_u (i32.mul (local.get $seq) (i32.const -1640531535)) (i32.const 18))
                (i32.const 2)))
            (local.set $ref (i32.load (local.get $h)))
            (i32.store (local.get $h) (local.get $ip))
            (if (i32.or
                  (i32.lt_u (local.get $ref) (local.get $start))
                  (i32.or
                    (i32.gt_u (i32.sub (local.get $ip) (local.get $ref)) (i32.const 65535))
                    (i32.ne (i32.load (local.get $ref)) (local.get $seq))))
              (then
                (local.set $ip (i32.add (local.get $ip) (i32.shr_u (local.get $searches) (i32.const 6))))
                (local.set $searches (i32.add (local.get $searches) (i32.const 1)))
                (br $main)))
            ;; Extend the match backwards over literals not yet written.
            (block $backDone
              (loop $back
                (br_if $backDone (i32.le_u (local.get $ip) (local.get $anchor)))
                (br_if $backDone (i32.le_u (local.get $ref) (local.get $start)))
                (br_if $backDone
                  (i32.ne
                    (i32.load8_u (i32.sub (local.get $ip) (i32.const 1)))
                    (i32.load8_u (i32.sub (local.get $ref) (i32.const 1)))))
                (local.set $ip (i32.sub (local.get $ip) (i32.const 1)))
                (local.set $ref (i32.sub (local.get $ref) (i32.const 1)))
                (br $back)))
            ;; And forwards: 8 bytes at a time while they fit before matchLimit, then bytewise.
            (local.set $len (i32.const 4))
            (block $forwardDone
              (loop $wide
                (if (i32.le_u
                      (i32.add (i32.add (local.get $ip) (local.get $len)) (i32.const 8))
                      (local.get $matchLimit))
                  (then
                    (local.set $x
                      (i64.xor
                        (i64.load (i32.add (local.get $ip) (local.get $len)))
                        (i64.load (i32.add (local.get $ref) (local.get $len)))))
                    (if (i64.ne (local.get $x) (i64.const 0))
                      (then
                        (local.set $len
                          (i32.add (local.get $len)
                            (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $x)) (i64.const 3)))))
                        (br $forwardDone)))
                    (local.set $len (i32.add (local.get $len) (i32.const 8)))
                    (br $wide))))
              (loop $narrow
                (br_if $forwardDone
                  (i32.ge_u (i32.add (local.get $ip) (local.get $len)) (local.get $matchLimit)))
                (br_if $forwardDone
                  (i32.ne
                    (i32.load8_u (i32.add (local.get $ip) (local.get $len)))
                    (i32.load8_u (i32.add (local.get $ref) (local.get $len)))))
                (local.set $len (i32.add (local.get $len) (i32.const 1)))
                (br $narrow)))
            (local.set $d
              (call $writeSequence
                (local.get $anchor)
                (i32.sub (local.get $ip) (local.get $anchor))
                (i32.sub (local.get $ip) (local.get $ref))
                (local.get $len)
                (local.get $d)))
            (local.set $ip (i32.add (local.get $ip) (local.get $len)))
            (local.set $anchor (local.get $ip))
            (local.set $searches (i32.const 64))
            (if (i32.lt_u (local.get $ip) (local.get $mfLimit))
              (then
                (i32.store
                  (call $slot (i32.sub (local.get $ip) (i32.const 2)))
                  (i32.sub (local.get $ip) (i32.const 2)))))
            (br $main)))))
    ;; The last literals.
    (local.set $litLen (i32.sub (local.get $end) (local.get $anchor)))
    (if (i32.ge_u (local.get $litLen) (i32.const 15))
      (then
        (i32.store8 (local.get $d) (i32.const 0xf0))
        (local.set $d
          (call $writeLength (i32.add (local.get $d) (i32.const 1)) (i32.sub (local.get $litLen) (i32.const 15)))))
      (else
        (i32.store8 (local.get $d) (i32.shl (local.get $litLen) (i32.const 4)))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))))
    (memory.copy (local.get $d) (local.get $anchor) (local.get $litLen))
    (i32.add (local.get $d) (local.get $litLen)))
)
