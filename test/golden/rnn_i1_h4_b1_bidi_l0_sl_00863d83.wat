;; golden snapshot of rnn_f32_u4r1__wasmsimd_k2t_g4x4 (rnn_i1_h4_b1_bidi_l0_sl_00863d83); regenerate: UPDATE_GOLDEN=1 node test/run.js golden
(module
  (type $t0 (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (type $t1 (func))
  (import "env" "memory" (memory $env.memory 1 32768))
  (func $run (type $t0) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32) (param $p4 i32) (param $p5 i32) (param $p6 i32) (param $p7 i32) (param $p8 i32) (param $p9 i32) (param $p10 i32)
    (local $l11 v128) (local $l12 v128) (local $l13 v128) (local $l14 v128) (local $l15 v128) (local $l16 v128) (local $l17 v128) (local $l18 i32) (local $l19 i32) (local $l20 i32) (local $l21 i32) (local $l22 i32) (local $l23 i32) (local $l24 i32) (local $l25 i32) (local $l26 i32) (local $l27 i32) (local $l28 i32) (local $l29 i32)
    local.get $p0
    local.get $p1
    i32.mul
    local.tee $p4
    i32.const 2
    i32.lt_s
    local.tee $l26
    i32.eqz
    if $I0
      i32.const 1024
      local.set $l20
      loop $L1
        local.get $l19
        i32.const 16
        i32.lt_s
        if $I2
          local.get $p2
          local.set $p5
          local.get $p9
          local.get $l19
          i32.add
          local.set $l18
          local.get $p4
          local.set $p8
          loop $L3
            local.get $p8
            i32.const 4
            i32.ge_s
            if $I4
              local.get $p5
              v128.load32_splat offset=4
              local.get $l20
              v128.load align=4
              local.tee $l11
              f32x4.mul
              local.get $l19
              i32.const 1040
              i32.add
              v128.load align=4
              local.tee $l12
              f32x4.add
              local.set $l13
              local.get $p5
              v128.load32_splat offset=8
              local.get $l11
              f32x4.mul
              local.get $l12
              f32x4.add
              local.set $l14
              local.get $p5
              v128.load32_splat offset=12
              local.get $l11
              f32x4.mul
              local.get $l12
              f32x4.add
              local.set $l15
              local.get $l18
              local.get $p5
              v128.load32_splat
              local.get $l11
              f32x4.mul
              local.get $l12
              f32x4.add
              v128.store align=4
              local.get $l18
              local.get $l13
              v128.store offset=16 align=4
              local.get $l18
              local.get $l14
              v128.store offset=32 align=4
              local.get $l18
              local.get $l15
              v128.store offset=48 align=4
              local.get $p5
              i32.const 16
              i32.add
              local.set $p5
              local.get $l18
              i32.const -64
              i32.sub
              local.set $l18
              local.get $p8
              i32.const 4
              i32.sub
              local.set $p8
              br $L3
            end
          end
          local.get $p8
          i32.const 1
          i32.eq
          if $I5
            local.get $l18
            local.get $p5
            v128.load32_splat
            local.get $l20
            v128.load align=4
            f32x4.mul
            local.get $l19
            i32.const 1040
            i32.add
            v128.load align=4
            f32x4.add
            v128.store align=4
          else
            local.get $p8
            i32.const 2
            i32.eq
            if $I6
              local.get $p5
              v128.load32_splat offset=4
              local.get $l20
              v128.load align=4
              local.tee $l11
              f32x4.mul
              local.get $l19
              i32.const 1040
              i32.add
              v128.load align=4
              local.tee $l12
              f32x4.add
              local.set $l13
              local.get $l18
              local.get $p5
              v128.load32_splat
              local.get $l11
              f32x4.mul
              local.get $l12
              f32x4.add
              v128.store align=4
              local.get $l18
              local.get $l13
              v128.store offset=16 align=4
            else
              local.get $p8
              i32.const 3
              i32.eq
              if $I7
                local.get $p5
                v128.load32_splat offset=4
                local.get $l20
                v128.load align=4
                local.tee $l11
                f32x4.mul
                local.get $l19
                i32.const 1040
                i32.add
                v128.load align=4
                local.tee $l12
                f32x4.add
                local.set $l13
                local.get $p5
                v128.load32_splat offset=8
                local.get $l11
                f32x4.mul
                local.get $l12
                f32x4.add
                local.set $l14
                local.get $l18
                local.get $p5
                v128.load32_splat
                local.get $l11
                f32x4.mul
                local.get $l12
                f32x4.add
                v128.store align=4
                local.get $l18
                local.get $l13
                v128.store offset=16 align=4
                local.get $l18
                local.get $l14
                v128.store offset=32 align=4
              end
            end
          end
          local.get $l19
          i32.const 16
          i32.add
          local.set $l19
          local.get $l20
          i32.const 16
          i32.add
          local.set $l20
          br $L1
        end
      end
    end
    i32.const 1264
    i32.load
    i32.const 0
    local.get $p10
    select
    i32.eqz
    local.tee $p4
    if $I8
      i32.const 1216
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store align=1
    end
    i32.const 1232
    i32.const 1216
    i32.const 1216
    i32.const 1264
    i32.load
    local.get $p4
    select
    local.tee $p4
    i32.const 1216
    i32.eq
    select
    local.set $p5
    loop $L9
      local.get $p0
      local.get $l23
      i32.gt_s
      if $I10
        i32.const 0
        local.set $p8
        loop $L11
          local.get $p1
          local.get $p8
          i32.const 1
          i32.add
          i32.ge_s
          if $I12
            i32.const -1
            i32.const 0
            local.get $l23
            local.get $p3
            local.get $p8
            i32.const 2
            i32.shl
            i32.add
            i32.load
            i32.lt_s
            select
            local.set $l20
            local.get $p8
            i32.const 4
            i32.shl
            i32.const 1280
            i32.add
            local.get $p9
            local.get $l23
            local.tee $l22
            local.get $p1
            i32.mul
            local.get $p8
            i32.add
            i32.const 4
            i32.shl
            i32.add
            local.get $l26
            select
            local.set $l18
            local.get $l26
            if $I13
              local.get $p2
              local.get $p1
              local.get $l22
              i32.mul
              local.get $p8
              i32.add
              i32.const 2
              i32.shl
              i32.add
              local.set $l27
              i32.const 0
              local.set $l19
              loop $L14
                local.get $l19
                i32.const 16
                i32.lt_s
                if $I15
                  local.get $l18
                  local.get $l19
                  i32.add
                  local.get $l27
                  v128.load32_splat
                  local.get $l19
                  i32.const 1024
                  i32.add
                  v128.load align=4
                  f32x4.mul
                  local.get $l19
                  i32.const 1040
                  i32.add
                  v128.load align=4
                  f32x4.add
                  v128.store align=4
                  local.get $l19
                  i32.const 16
                  i32.add
                  local.set $l19
                  br $L14
                end
              end
            end
            local.get $l18
            local.set $l27
            local.get $p6
            local.get $l22
            i32.const 1
            i32.shl
            local.get $p1
            i32.mul
            local.get $p8
            i32.add
            i32.const 4
            i32.shl
            i32.add
            local.set $l28
            i32.const 0
            local.set $l21
            i32.const 0
            local.set $l24
            local.get $p8
            i32.const 4
            i32.shl
            local.tee $l25
            local.get $p4
            i32.add
            local.set $l22
            local.get $l20
            i32x4.splat
            local.set $l12
            i32.const 1056
            local.set $l20
            loop $L16
              local.get $l21
              i32.const 16
              i32.lt_s
              if $I17
                local.get $l24
                local.get $l27
                i32.add
                v128.load align=4
                local.set $l11
                local.get $l20
                local.set $l18
                local.get $l22
                local.tee $l19
                i32.const 16
                i32.add
                local.set $l29
                loop $L18
                  local.get $l11
                  local.get $l19
                  v128.load32_splat offset=4
                  local.get $l18
                  v128.load offset=16 align=4
                  f32x4.mul
                  local.get $l19
                  v128.load32_splat
                  local.get $l18
                  v128.load align=4
                  f32x4.mul
                  f32x4.add
                  f32x4.add
                  local.set $l11
                  local.get $l18
                  i32.const 32
                  i32.add
                  local.set $l18
                  local.get $l29
                  local.get $l19
                  i32.const 8
                  i32.add
                  local.tee $l19
                  i32.ne
                  br_if $L18
                end
                local.get $l25
                i32.const 1248
                i32.add
                local.get $l21
                i32.add
                local.get $l11
                v128.store align=4
                local.get $l21
                i32.const 16
                i32.add
                local.set $l21
                local.get $l24
                i32.const 16
                i32.add
                local.set $l24
                local.get $l20
                i32.const -64
                i32.sub
                local.set $l20
                br $L16
              end
            end
            i32.const 0
            local.tee $l21
            local.set $l24
            loop $L19
              local.get $l21
              i32.const 16
              i32.lt_s
              if $I20
                local.get $l25
                i32.const 1248
                i32.add
                local.get $l21
                i32.add
                v128.load align=4
                local.tee $l13
                i32.const 256
                v128.load
                local.tee $l14
                v128.or
                local.tee $l11
                local.get $l11
                f32x4.add
                i32.const 272
                v128.load
                f32x4.pmax
                local.tee $l15
                i32.const 288
                v128.load
                f32x4.mul
                i32.const 304
                v128.load
                local.tee $l11
                f32x4.add
                local.tee $l16
                local.get $l11
                f32x4.sub
                local.set $l11
                local.get $p5
                local.get $l25
                i32.add
                local.get $l21
                i32.add
                v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                local.get $l16
                i32.const 23
                i32x4.shl
                i32.const 352
                v128.load
                local.tee $l16
                i32x4.add
                local.tee $l17
                local.get $l15
                local.get $l11
                i32.const 320
                v128.load
                f32x4.mul
                f32x4.sub
                local.get $l11
                i32.const 336
                v128.load
                f32x4.mul
                f32x4.sub
                local.tee $l11
                local.get $l11
                local.get $l11
                f32x4.mul
                i32.const 368
                v128.load
                local.get $l11
                f32x4.mul
                i32.const 384
                v128.load
                f32x4.add
                local.get $l11
                f32x4.mul
                i32.const 400
                v128.load
                f32x4.add
                local.get $l11
                f32x4.mul
                i32.const 416
                v128.load
                f32x4.add
                local.get $l11
                f32x4.mul
                i32.const 432
                v128.load
                f32x4.add
                f32x4.mul
                f32x4.add
                f32x4.mul
                local.get $l17
                local.get $l16
                f32x4.sub
                f32x4.add
                local.tee $l11
                f32x4.sub
                local.get $l11
                i32.const 448
                v128.load
                f32x4.add
                f32x4.div
                local.get $l13
                local.get $l14
                v128.and
                v128.or
                local.tee $l11
                local.get $p4
                local.get $l25
                i32.add
                local.get $l21
                i32.add
                v128.load align=4
                local.get $l12
                v128.bitselect
                v128.store align=4
                local.get $l21
                local.get $l28
                i32.add
                local.get $l11
                local.get $l12
                v128.and
                v128.store align=4
                local.get $l21
                i32.const 16
                i32.add
                local.set $l21
                local.get $l24
                i32.const 16
                i32.add
                local.set $l24
                br $L19
              end
            end
            local.get $p8
            i32.const 1
            i32.add
            local.set $p8
            br $L11
          end
        end
        local.get $p4
        local.set $p8
        local.get $p5
        local.set $p4
        local.get $p8
        local.set $p5
        local.get $l23
        i32.const 1
        i32.add
        local.set $l23
        br $L9
      end
    end
    i32.const 1264
    local.get $p4
    i32.store
    i32.const 0
    local.set $p8
    loop $L21
      local.get $p1
      local.get $p8
      i32.gt_s
      if $I22
        local.get $p7
        local.get $p8
        i32.const 4
        i32.shl
        local.tee $p5
        i32.add
        local.get $p4
        local.get $p5
        i32.add
        v128.load align=1
        v128.store align=1
        local.get $p8
        i32.const 1
        i32.add
        local.set $p8
        br $L21
      end
    end
    local.get $p0
    local.get $p1
    i32.mul
    local.tee $p4
    i32.const 2
    i32.lt_s
    local.tee $l25
    i32.eqz
    if $I23
      i32.const 0
      local.set $l19
      i32.const 1120
      local.set $l20
      loop $L24
        local.get $l19
        i32.const 16
        i32.lt_s
        if $I25
          local.get $p2
          local.set $p5
          local.get $p9
          local.get $l19
          i32.add
          local.set $l18
          local.get $p4
          local.set $p8
          loop $L26
            local.get $p8
            i32.const 4
            i32.ge_s
            if $I27
              local.get $p5
              v128.load32_splat offset=4
              local.get $l20
              v128.load align=4
              local.tee $l11
              f32x4.mul
              local.get $l19
              i32.const 1136
              i32.add
              v128.load align=4
              local.tee $l12
              f32x4.add
              local.set $l13
              local.get $p5
              v128.load32_splat offset=8
              local.get $l11
              f32x4.mul
              local.get $l12
              f32x4.add
              local.set $l14
              local.get $p5
              v128.load32_splat offset=12
              local.get $l11
              f32x4.mul
              local.get $l12
              f32x4.add
              local.set $l15
              local.get $l18
              local.get $p5
              v128.load32_splat
              local.get $l11
              f32x4.mul
              local.get $l12
              f32x4.add
              v128.store align=4
              local.get $l18
              local.get $l13
              v128.store offset=16 align=4
              local.get $l18
              local.get $l14
              v128.store offset=32 align=4
              local.get $l18
              local.get $l15
              v128.store offset=48 align=4
              local.get $p5
              i32.const 16
              i32.add
              local.set $p5
              local.get $l18
              i32.const -64
              i32.sub
              local.set $l18
              local.get $p8
              i32.const 4
              i32.sub
              local.set $p8
              br $L26
            end
          end
          local.get $p8
          i32.const 1
          i32.eq
          if $I28
            local.get $l18
            local.get $p5
            v128.load32_splat
            local.get $l20
            v128.load align=4
            f32x4.mul
            local.get $l19
            i32.const 1136
            i32.add
            v128.load align=4
            f32x4.add
            v128.store align=4
          else
            local.get $p8
            i32.const 2
            i32.eq
            if $I29
              local.get $p5
              v128.load32_splat offset=4
              local.get $l20
              v128.load align=4
              local.tee $l11
              f32x4.mul
              local.get $l19
              i32.const 1136
              i32.add
              v128.load align=4
              local.tee $l12
              f32x4.add
              local.set $l13
              local.get $l18
              local.get $p5
              v128.load32_splat
              local.get $l11
              f32x4.mul
              local.get $l12
              f32x4.add
              v128.store align=4
              local.get $l18
              local.get $l13
              v128.store offset=16 align=4
            else
              local.get $p8
              i32.const 3
              i32.eq
              if $I30
                local.get $p5
                v128.load32_splat offset=4
                local.get $l20
                v128.load align=4
                local.tee $l11
                f32x4.mul
                local.get $l19
                i32.const 1136
                i32.add
                v128.load align=4
                local.tee $l12
                f32x4.add
                local.set $l13
                local.get $p5
                v128.load32_splat offset=8
                local.get $l11
                f32x4.mul
                local.get $l12
                f32x4.add
                local.set $l14
                local.get $l18
                local.get $p5
                v128.load32_splat
                local.get $l11
                f32x4.mul
                local.get $l12
                f32x4.add
                v128.store align=4
                local.get $l18
                local.get $l13
                v128.store offset=16 align=4
                local.get $l18
                local.get $l14
                v128.store offset=32 align=4
              end
            end
          end
          local.get $l19
          i32.const 16
          i32.add
          local.set $l19
          local.get $l20
          i32.const 16
          i32.add
          local.set $l20
          br $L24
        end
      end
    end
    i32.const 1268
    i32.load
    i32.const 0
    local.get $p10
    select
    i32.eqz
    local.tee $p4
    if $I31
      i32.const 1216
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store align=1
    end
    i32.const 1232
    i32.const 1216
    i32.const 1216
    i32.const 1268
    i32.load
    local.get $p4
    select
    local.tee $p4
    i32.const 1216
    i32.eq
    select
    local.set $p5
    i32.const 0
    local.set $l23
    loop $L32
      local.get $p0
      local.get $l23
      i32.gt_s
      if $I33
        i32.const 0
        local.set $p8
        loop $L34
          local.get $p1
          local.get $p8
          i32.const 1
          i32.add
          i32.ge_s
          if $I35
            local.get $p8
            i32.const 4
            i32.shl
            i32.const 1280
            i32.add
            local.get $p9
            local.get $p3
            local.get $p8
            i32.const 2
            i32.shl
            i32.add
            i32.load
            local.tee $p10
            i32.const 1
            i32.sub
            local.get $l23
            i32.sub
            local.get $l23
            i32.const -1
            i32.const 0
            local.get $p10
            local.get $l23
            i32.gt_s
            select
            local.tee $l26
            select
            local.tee $l19
            local.get $p1
            i32.mul
            local.get $p8
            i32.add
            i32.const 4
            i32.shl
            i32.add
            local.get $l25
            select
            local.set $p10
            local.get $l25
            if $I36
              local.get $p2
              local.get $p1
              local.get $l19
              i32.mul
              local.get $p8
              i32.add
              i32.const 2
              i32.shl
              i32.add
              local.set $l20
              i32.const 0
              local.set $l18
              loop $L37
                local.get $l18
                i32.const 16
                i32.lt_s
                if $I38
                  local.get $p10
                  local.get $l18
                  i32.add
                  local.get $l20
                  v128.load32_splat
                  local.get $l18
                  i32.const 1120
                  i32.add
                  v128.load align=4
                  f32x4.mul
                  local.get $l18
                  i32.const 1136
                  i32.add
                  v128.load align=4
                  f32x4.add
                  v128.store align=4
                  local.get $l18
                  i32.const 16
                  i32.add
                  local.set $l18
                  br $L37
                end
              end
            end
            local.get $p10
            local.set $l20
            local.get $p6
            local.get $l19
            i32.const 1
            i32.shl
            i32.const 1
            i32.add
            local.get $p1
            i32.mul
            local.get $p8
            i32.add
            i32.const 4
            i32.shl
            i32.add
            local.set $l28
            i32.const 0
            local.set $l22
            i32.const 0
            local.set $l21
            local.get $p8
            i32.const 4
            i32.shl
            local.tee $l24
            local.get $p4
            i32.add
            local.set $l27
            local.get $l26
            i32x4.splat
            local.set $l12
            i32.const 1152
            local.set $l19
            loop $L39
              local.get $l22
              i32.const 16
              i32.lt_s
              if $I40
                local.get $l20
                local.get $l21
                i32.add
                v128.load align=4
                local.set $l11
                local.get $l19
                local.set $p10
                local.get $l27
                local.tee $l18
                i32.const 16
                i32.add
                local.set $l26
                loop $L41
                  local.get $l11
                  local.get $l18
                  v128.load32_splat offset=4
                  local.get $p10
                  v128.load offset=16 align=4
                  f32x4.mul
                  local.get $l18
                  v128.load32_splat
                  local.get $p10
                  v128.load align=4
                  f32x4.mul
                  f32x4.add
                  f32x4.add
                  local.set $l11
                  local.get $p10
                  i32.const 32
                  i32.add
                  local.set $p10
                  local.get $l26
                  local.get $l18
                  i32.const 8
                  i32.add
                  local.tee $l18
                  i32.ne
                  br_if $L41
                end
                local.get $l24
                i32.const 1248
                i32.add
                local.get $l22
                i32.add
                local.get $l11
                v128.store align=4
                local.get $l22
                i32.const 16
                i32.add
                local.set $l22
                local.get $l21
                i32.const 16
                i32.add
                local.set $l21
                local.get $l19
                i32.const -64
                i32.sub
                local.set $l19
                br $L39
              end
            end
            i32.const 0
            local.tee $l22
            local.set $l21
            loop $L42
              local.get $l22
              i32.const 16
              i32.lt_s
              if $I43
                local.get $l24
                i32.const 1248
                i32.add
                local.get $l22
                i32.add
                v128.load align=4
                local.tee $l13
                i32.const 256
                v128.load
                local.tee $l14
                v128.or
                local.tee $l11
                local.get $l11
                f32x4.add
                i32.const 272
                v128.load
                f32x4.pmax
                local.tee $l15
                i32.const 288
                v128.load
                f32x4.mul
                i32.const 304
                v128.load
                local.tee $l11
                f32x4.add
                local.tee $l16
                local.get $l11
                f32x4.sub
                local.set $l11
                local.get $p5
                local.get $l24
                i32.add
                local.get $l22
                i32.add
                v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                local.get $l16
                i32.const 23
                i32x4.shl
                i32.const 352
                v128.load
                local.tee $l16
                i32x4.add
                local.tee $l17
                local.get $l15
                local.get $l11
                i32.const 320
                v128.load
                f32x4.mul
                f32x4.sub
                local.get $l11
                i32.const 336
                v128.load
                f32x4.mul
                f32x4.sub
                local.tee $l11
                local.get $l11
                local.get $l11
                f32x4.mul
                i32.const 368
                v128.load
                local.get $l11
                f32x4.mul
                i32.const 384
                v128.load
                f32x4.add
                local.get $l11
                f32x4.mul
                i32.const 400
                v128.load
                f32x4.add
                local.get $l11
                f32x4.mul
                i32.const 416
                v128.load
                f32x4.add
                local.get $l11
                f32x4.mul
                i32.const 432
                v128.load
                f32x4.add
                f32x4.mul
                f32x4.add
                f32x4.mul
                local.get $l17
                local.get $l16
                f32x4.sub
                f32x4.add
                local.tee $l11
                f32x4.sub
                local.get $l11
                i32.const 448
                v128.load
                f32x4.add
                f32x4.div
                local.get $l13
                local.get $l14
                v128.and
                v128.or
                local.tee $l11
                local.get $p4
                local.get $l24
                i32.add
                local.get $l22
                i32.add
                v128.load align=4
                local.get $l12
                v128.bitselect
                v128.store align=4
                local.get $l22
                local.get $l28
                i32.add
                local.get $l11
                local.get $l12
                v128.and
                v128.store align=4
                local.get $l22
                i32.const 16
                i32.add
                local.set $l22
                local.get $l21
                i32.const 16
                i32.add
                local.set $l21
                br $L42
              end
            end
            local.get $p8
            i32.const 1
            i32.add
            local.set $p8
            br $L34
          end
        end
        local.get $p4
        local.set $p8
        local.get $p5
        local.set $p4
        local.get $p8
        local.set $p5
        local.get $l23
        i32.const 1
        i32.add
        local.set $l23
        br $L32
      end
    end
    i32.const 1268
    local.get $p4
    i32.store
    i32.const 0
    local.set $p8
    loop $L44
      local.get $p1
      local.get $p8
      i32.gt_s
      if $I45
        local.get $p7
        local.get $p1
        local.get $p8
        i32.add
        i32.const 4
        i32.shl
        i32.add
        local.get $p4
        local.get $p8
        i32.const 4
        i32.shl
        i32.add
        v128.load align=1
        v128.store align=1
        local.get $p8
        i32.const 1
        i32.add
        local.set $p8
        br $L44
      end
    end)
  (func $f1 (type $t1)
    i32.const 256
    v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000
    v128.store
    i32.const 272
    v128.const i32x4 0xc1a00000 0xc1a00000 0xc1a00000 0xc1a00000
    v128.store
    i32.const 288
    v128.const i32x4 0x3fb8aa3b 0x3fb8aa3b 0x3fb8aa3b 0x3fb8aa3b
    v128.store
    i32.const 304
    v128.const i32x4 0x4b400000 0x4b400000 0x4b400000 0x4b400000
    v128.store
    i32.const 320
    v128.const i32x4 0x3f317200 0x3f317200 0x3f317200 0x3f317200
    v128.store
    i32.const 336
    v128.const i32x4 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e 0x35bfbe8e
    v128.store
    i32.const 352
    v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000
    v128.store
    i32.const 368
    v128.const i32x4 0x3ab634f9 0x3ab634f9 0x3ab634f9 0x3ab634f9
    v128.store
    i32.const 384
    v128.const i32x4 0x3c09058e 0x3c09058e 0x3c09058e 0x3c09058e
    v128.store
    i32.const 400
    v128.const i32x4 0x3d2aaadd 0x3d2aaadd 0x3d2aaadd 0x3d2aaadd
    v128.store
    i32.const 416
    v128.const i32x4 0x3e2aaa6f 0x3e2aaa6f 0x3e2aaa6f 0x3e2aaa6f
    v128.store
    i32.const 432
    v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000
    v128.store
    i32.const 448
    v128.const i32x4 0x40000000 0x40000000 0x40000000 0x40000000
    v128.store)
  (export "run" (func $run))
  (start $f1))
