;; golden snapshot of s0_gru_f32_u4r1__wasmsimd_k2t_g4x4_step_d0_p0_r1 (gru_f32_u4r1__wasmsimd_k2t_g4x4, plan 211d0b61e8c581a6), before optimization; regenerate: UPDATE_GOLDEN=1 node test/run.js golden
(func $s0_gru_f32_u4r1__wasmsimd_k2t_g4x4_step_d0_p0_r1 (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (param $6 i32) (param $7 i32)
  (local $8 i32)
  (local $9 i32)
  (local $10 i32)
  (local $11 i32)
  (local $12 i32)
  (local $13 i32)
  (local $14 i32)
  (local $15 v128)
  (local $16 v128)
  (local $17 v128)
  (local $18 i32)
  (local $19 v128)
  (local $20 v128)
  (local $21 v128)
  (local $22 v128)
  (local $23 v128)
  (local $24 v128)
  (local $25 v128)
  (local $26 v128)
  (local $27 v128)
  (local $28 v128)
  (local $29 v128)
  (local $30 v128)
  (local $31 v128)
  (local $32 v128)
  (local $33 v128)
  (local $34 v128)
  (local $35 v128)
  (local.set $13
   (i32.add
    (local.get $0)
    (local.get $2)
   )
  )
  (local.set $14
   (select
    (local.get $4)
    (i32.const 0)
    (i32.lt_s
     (local.get $4)
     (i32.const 0)
    )
   )
  )
  (local.set $8
   (local.get $3)
  )
  (local.set $9
   (i32.mul
    (local.get $8)
    (i32.const 3)
   )
  )
  (local.set $10
   (i32.add
    (i32.const 9696)
    (i32.mul
     (local.get $8)
     (i32.const 9)
    )
   )
  )
  (if
   (i32.gt_s
    (local.get $4)
    (i32.const 0)
   )
   (then
    (local.set $15
     (v128.load align=4
      (i32.add
       (local.get $6)
       (local.get $9)
      )
     )
    )
    (local.set $16
     (v128.load offset=16 align=4
      (i32.add
       (local.get $6)
       (local.get $9)
      )
     )
    )
    (local.set $17
     (v128.load align=4
      (i32.add
       (local.get $8)
       (i32.const 9840)
      )
     )
    )
    (local.set $11
     (local.get $13)
    )
    (local.set $12
     (local.get $10)
    )
    (local.set $18
     (i32.add
      (local.get $11)
      (i32.const 8)
     )
    )
    (loop $label
     (local.set $19
      (v128.load32_splat
       (local.get $11)
      )
     )
     (local.set $20
      (v128.load32_splat offset=4
       (local.get $11)
      )
     )
     (local.set $15
      (f32x4.add
       (local.get $15)
       (f32x4.add
        (f32x4.mul
         (local.get $20)
         (v128.load offset=48 align=4
          (local.get $12)
         )
        )
        (f32x4.mul
         (local.get $19)
         (v128.load align=4
          (local.get $12)
         )
        )
       )
      )
     )
     (local.set $16
      (f32x4.add
       (local.get $16)
       (f32x4.add
        (f32x4.mul
         (local.get $20)
         (v128.load offset=64 align=4
          (local.get $12)
         )
        )
        (f32x4.mul
         (local.get $19)
         (v128.load offset=16 align=4
          (local.get $12)
         )
        )
       )
      )
     )
     (local.set $17
      (f32x4.add
       (local.get $17)
       (f32x4.add
        (f32x4.mul
         (local.get $20)
         (v128.load offset=80 align=4
          (local.get $12)
         )
        )
        (f32x4.mul
         (local.get $19)
         (v128.load offset=32 align=4
          (local.get $12)
         )
        )
       )
      )
     )
     (local.set $11
      (i32.add
       (local.get $11)
       (i32.const 8)
      )
     )
     (local.set $12
      (i32.add
       (local.get $12)
       (i32.const 96)
      )
     )
     (br_if $label
      (i32.ne
       (local.get $11)
       (local.get $18)
      )
     )
    )
    (local.set $21
     (v128.load32_splat
      (local.get $11)
     )
    )
    (local.set $22
     (v128.load align=4
      (local.get $12)
     )
    )
    (local.set $15
     (f32x4.add
      (f32x4.mul
       (local.get $21)
       (local.get $22)
      )
      (local.get $15)
     )
    )
    (local.set $23
     (v128.load offset=16 align=4
      (local.get $12)
     )
    )
    (local.set $16
     (f32x4.add
      (f32x4.mul
       (local.get $21)
       (local.get $23)
      )
      (local.get $16)
     )
    )
    (local.set $24
     (v128.load offset=32 align=4
      (local.get $12)
     )
    )
    (local.set $17
     (f32x4.add
      (f32x4.mul
       (local.get $21)
       (local.get $24)
      )
      (local.get $17)
     )
    )
    (local.set $11
     (i32.add
      (local.get $11)
      (i32.const 4)
     )
    )
    (local.set $12
     (i32.add
      (local.get $12)
      (i32.const 48)
     )
    )
    (v128.store align=4
     (i32.add
      (i32.add
       (i32.const 9392)
       (i32.mul
        (local.get $2)
        (i32.const 3)
       )
      )
      (i32.mul
       (local.get $8)
       (i32.const 3)
      )
     )
     (local.get $15)
    )
    (v128.store offset=16 align=4
     (i32.add
      (i32.add
       (i32.const 9392)
       (i32.mul
        (local.get $2)
        (i32.const 3)
       )
      )
      (i32.mul
       (local.get $8)
       (i32.const 3)
      )
     )
     (local.get $16)
    )
    (v128.store offset=32 align=4
     (i32.add
      (i32.add
       (i32.const 9392)
       (i32.mul
        (local.get $2)
        (i32.const 3)
       )
      )
      (i32.mul
       (local.get $8)
       (i32.const 3)
      )
     )
     (local.get $17)
    )
   )
  )
  (local.set $8
   (local.get $3)
  )
  (local.set $9
   (i32.mul
    (local.get $8)
    (i32.const 3)
   )
  )
  (local.set $10
   (i32.add
    (i32.const 9696)
    (i32.mul
     (local.get $8)
     (i32.const 9)
    )
   )
  )
  (if
   (i32.gt_s
    (local.get $4)
    (i32.const 0)
   )
   (then
    (local.set $25
     (v128.load align=4
      (i32.add
       (i32.add
        (local.get $0)
        (local.get $2)
       )
       (local.get $8)
      )
     )
    )
    (local.set $26
     (v128.load align=4
      (i32.add
       (i32.add
        (i32.const 9392)
        (i32.mul
         (local.get $2)
         (i32.const 3)
        )
       )
       (i32.mul
        (local.get $8)
        (i32.const 3)
       )
      )
     )
    )
    (local.set $27
     (v128.load offset=16 align=4
      (i32.add
       (i32.add
        (i32.const 9392)
        (i32.mul
         (local.get $2)
         (i32.const 3)
        )
       )
       (i32.mul
        (local.get $8)
        (i32.const 3)
       )
      )
     )
    )
    (local.set $28
     (f32x4.pmin
      (f32x4.pmax
       (f32x4.add
        (f32x4.mul
         (local.get $26)
         (v128.load offset=256
          (i32.const 0)
         )
        )
        (v128.load offset=272
         (i32.const 0)
        )
       )
       (f32x4.splat
        (f32.const 0)
       )
      )
      (v128.load offset=288
       (i32.const 0)
      )
     )
    )
    (v128.store align=4
     (i32.add
      (i32.add
       (i32.const 9392)
       (i32.mul
        (local.get $2)
        (i32.const 3)
       )
      )
      (i32.mul
       (local.get $8)
       (i32.const 3)
      )
     )
     (local.get $28)
    )
    (local.set $29
     (f32x4.pmin
      (f32x4.pmax
       (f32x4.add
        (f32x4.mul
         (local.get $27)
         (v128.load offset=256
          (i32.const 0)
         )
        )
        (v128.load offset=272
         (i32.const 0)
        )
       )
       (f32x4.splat
        (f32.const 0)
       )
      )
      (v128.load offset=288
       (i32.const 0)
      )
     )
    )
    (v128.store align=4
     (i32.add
      (i32.add
       (i32.const 9392)
       (i32.mul
        (local.get $2)
        (i32.const 3)
       )
      )
      (i32.mul
       (local.get $8)
       (i32.const 3)
      )
     )
     (local.get $29)
    )
    (local.set $30
     (v128.load offset=32 align=4
      (i32.add
       (local.get $6)
       (local.get $9)
      )
     )
    )
    (local.set $31
     (v128.load offset=32 align=4
      (i32.add
       (i32.add
        (i32.const 9392)
        (i32.mul
         (local.get $2)
         (i32.const 3)
        )
       )
       (i32.mul
        (local.get $8)
        (i32.const 3)
       )
      )
     )
    )
    (local.set $32
     (f32x4.add
      (local.get $30)
      (f32x4.mul
       (local.get $29)
       (local.get $31)
      )
     )
    )
    (local.set $33
     (f32x4.pmax
      (local.get $32)
      (f32x4.splat
       (f32.const 0)
      )
     )
    )
    (local.set $34
     (f32x4.add
      (local.get $33)
      (f32x4.mul
       (local.get $28)
       (f32x4.sub
        (local.get $25)
        (local.get $33)
       )
      )
     )
    )
    (v128.store align=4
     (i32.add
      (i32.add
       (local.get $1)
       (local.get $2)
      )
      (local.get $8)
     )
     (local.get $34)
    )
    (local.set $35
     (local.get $34)
    )
    (v128.store64_lane align=4 0
     (i32.add
      (local.get $7)
      (local.get $8)
     )
     (local.get $35)
    )
    (v128.store32_lane offset=8 2
     (i32.add
      (local.get $7)
      (local.get $8)
     )
     (local.get $35)
    )
   )
  )
 )
