;; golden snapshot of s0_rnn_f32_u4r1__wasmsimd_k2t_g4x4_step_d0_p0_r1 (rnn_f32_u4r1__wasmsimd_k2t_g4x4, plan a1be2af2820fed83), before optimization; regenerate: UPDATE_GOLDEN=1 node test/run.js golden
(func $s0_rnn_f32_u4r1__wasmsimd_k2t_g4x4_step_d0_p0_r1 (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (param $6 i32) (param $7 i32) (param $8 i32)
  (local $9 i32)
  (local $10 i32)
  (local $11 i32)
  (local $12 i32)
  (local $13 i32)
  (local $14 i32)
  (local $15 v128)
  (local $16 i32)
  (local $17 v128)
  (local $18 i32)
  (local $19 v128)
  (local $20 v128)
  (local $21 v128)
  (local $22 v128)
  (local $23 v128)
  (local.set $14
   (i32.add
    (local.get $0)
    (local.get $2)
   )
  )
  (local.set $15
   (i32x4.splat
    (local.get $8)
   )
  )
  (local.set $16
   (select
    (local.get $4)
    (i32.const 16)
    (i32.lt_s
     (local.get $4)
     (i32.const 16)
    )
   )
  )
  (local.set $9
   (local.get $3)
  )
  (local.set $10
   (local.get $9)
  )
  (local.set $11
   (i32.add
    (i32.const 9488)
    (i32.shl
     (local.get $9)
     (i32.const 2)
    )
   )
  )
  (block $block
   (loop $label1
    (br_if $block
     (i32.ge_s
      (local.get $9)
      (local.get $16)
     )
    )
    (local.set $17
     (v128.load align=4
      (i32.add
       (local.get $6)
       (local.get $10)
      )
     )
    )
    (local.set $12
     (local.get $14)
    )
    (local.set $13
     (local.get $11)
    )
    (local.set $18
     (i32.add
      (local.get $12)
      (i32.const 16)
     )
    )
    (loop $label
     (local.set $19
      (v128.load32_splat
       (local.get $12)
      )
     )
     (local.set $20
      (v128.load32_splat offset=4
       (local.get $12)
      )
     )
     (local.set $17
      (f32x4.add
       (local.get $17)
       (f32x4.add
        (f32x4.mul
         (local.get $20)
         (v128.load offset=16 align=4
          (local.get $13)
         )
        )
        (f32x4.mul
         (local.get $19)
         (v128.load align=4
          (local.get $13)
         )
        )
       )
      )
     )
     (local.set $12
      (i32.add
       (local.get $12)
       (i32.const 8)
      )
     )
     (local.set $13
      (i32.add
       (local.get $13)
       (i32.const 32)
      )
     )
     (br_if $label
      (i32.ne
       (local.get $12)
       (local.get $18)
      )
     )
    )
    (v128.store align=4
     (i32.add
      (i32.add
       (i32.const 9408)
       (local.get $2)
      )
      (local.get $9)
     )
     (local.get $17)
    )
    (local.set $9
     (i32.add
      (local.get $9)
      (i32.const 16)
     )
    )
    (local.set $10
     (i32.add
      (local.get $10)
      (i32.const 16)
     )
    )
    (local.set $11
     (i32.add
      (local.get $11)
      (i32.const 64)
     )
    )
    (br $label1)
   )
  )
  (local.set $9
   (local.get $3)
  )
  (local.set $10
   (local.get $9)
  )
  (local.set $11
   (i32.add
    (i32.const 9488)
    (i32.shl
     (local.get $9)
     (i32.const 2)
    )
   )
  )
  (block $block1
   (loop $label2
    (br_if $block1
     (i32.ge_s
      (local.get $9)
      (local.get $16)
     )
    )
    (local.set $21
     (v128.load align=4
      (i32.add
       (i32.add
        (local.get $0)
        (local.get $2)
       )
       (local.get $9)
      )
     )
    )
    (local.set $22
     (v128.load align=4
      (i32.add
       (i32.add
        (i32.const 9408)
        (local.get $2)
       )
       (local.get $9)
      )
     )
    )
    (local.set $23
     (f32x4.pmax
      (local.get $22)
      (f32x4.splat
       (f32.const 0)
      )
     )
    )
    (v128.store align=4
     (i32.add
      (i32.add
       (local.get $1)
       (local.get $2)
      )
      (local.get $9)
     )
     (v128.bitselect
      (local.get $23)
      (local.get $21)
      (local.get $15)
     )
    )
    (v128.store align=4
     (i32.add
      (local.get $7)
      (local.get $9)
     )
     (v128.and
      (local.get $23)
      (local.get $15)
     )
    )
    (local.set $9
     (i32.add
      (local.get $9)
      (i32.const 16)
     )
    )
    (local.set $10
     (i32.add
      (local.get $10)
      (i32.const 16)
     )
    )
    (br $label2)
   )
  )
 )
