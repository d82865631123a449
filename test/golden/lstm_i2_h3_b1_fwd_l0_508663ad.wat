;; golden snapshot of lstm_f32_u4r1__wasmsimd_k2t (lstm_i2_h3_b1_fwd_l0_508663ad); regenerate: UPDATE_GOLDEN=1 node test/run.js golden
(module
  (type $t0 (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (type $t1 (func))
  (import "env" "memory" (memory $env.memory 1 32768))
  (func $run (type $t0) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32) (param $p4 i32) (param $p5 i32) (param $p6 i32) (param $p7 i32) (param $p8 i32) (param $p9 i32) (param $p10 i32)
    (local $l11 v128) (local $l12 v128) (local $l13 v128) (local $l14 v128) (local $l15 v128) (local $l16 v128) (local $l17 v128) (local $l18 v128) (local $l19 v128) (local $l20 v128) (local $l21 v128) (local $l22 v128) (local $l23 v128) (local $l24 v128) (local $l25 v128) (local $l26 v128) (local $l27 v128) (local $l28 v128) (local $l29 v128) (local $l30 v128) (local $l31 v128) (local $l32 v128) (local $l33 v128) (local $l34 v128) (local $l35 v128) (local $l36 i32) (local $l37 i32) (local $l38 i32) (local $l39 i32) (local $l40 i32) (local $l41 i32) (local $l42 i32)
    local.get $p0
    local.get $p1
    i32.mul
    local.tee $l38
    i32.const 2
    i32.lt_s
    local.tee $l42
    i32.eqz
    if $I0
      i32.const 1024
      local.set $l37
      loop $L1
        local.get $l39
        i32.const 64
        i32.lt_s
        if $I2
          local.get $p2
          local.set $p3
          local.get $p9
          local.get $l39
          i32.add
          local.set $l36
          local.get $l38
          local.set $l40
          loop $L3
            local.get $l40
            i32.const 4
            i32.ge_s
            if $I4
              local.get $l39
              i32.const 1152
              i32.add
              local.tee $p4
              v128.load align=4
              local.tee $l13
              local.set $l15
              local.get $p4
              v128.load offset=16 align=4
              local.tee $l12
              local.set $l16
              local.get $l13
              local.tee $l11
              local.set $l17
              local.get $l12
              local.tee $l14
              local.set $l18
              local.get $l37
              local.set $p5
              local.get $p3
              local.tee $p4
              i32.const 8
              i32.add
              local.set $l41
              loop $L5
                local.get $p4
                v128.load32_splat
                local.tee $l20
                local.get $p5
                v128.load align=4
                local.tee $l19
                f32x4.mul
                local.get $l15
                f32x4.add
                local.set $l15
                local.get $l20
                local.get $p5
                v128.load offset=16 align=4
                local.tee $l20
                f32x4.mul
                local.get $l16
                f32x4.add
                local.set $l16
                local.get $p4
                v128.load32_splat offset=8
                local.tee $l21
                local.get $l19
                f32x4.mul
                local.get $l13
                f32x4.add
                local.set $l13
                local.get $l21
                local.get $l20
                f32x4.mul
                local.get $l12
                f32x4.add
                local.set $l12
                local.get $p4
                v128.load32_splat offset=16
                local.tee $l21
                local.get $l19
                f32x4.mul
                local.get $l11
                f32x4.add
                local.set $l11
                local.get $l21
                local.get $l20
                f32x4.mul
                local.get $l14
                f32x4.add
                local.set $l14
                local.get $p4
                v128.load32_splat offset=24
                local.tee $l21
                local.get $l19
                f32x4.mul
                local.get $l17
                f32x4.add
                local.set $l17
                local.get $l21
                local.get $l20
                f32x4.mul
                local.get $l18
                f32x4.add
                local.set $l18
                local.get $p5
                i32.const 32
                i32.add
                local.set $p5
                local.get $l41
                local.get $p4
                i32.const 4
                i32.add
                local.tee $p4
                i32.ne
                br_if $L5
              end
              local.get $l36
              local.get $l15
              v128.store align=4
              local.get $l36
              local.get $l16
              v128.store offset=16 align=4
              local.get $l36
              local.get $l13
              v128.store offset=64 align=4
              local.get $l36
              local.get $l12
              v128.store offset=80 align=4
              local.get $l36
              local.get $l11
              v128.store offset=128 align=4
              local.get $l36
              local.get $l14
              v128.store offset=144 align=4
              local.get $l36
              local.get $l17
              v128.store offset=192 align=4
              local.get $l36
              local.get $l18
              v128.store offset=208 align=4
              local.get $p3
              i32.const 32
              i32.add
              local.set $p3
              local.get $l36
              i32.const 256
              i32.add
              local.set $l36
              local.get $l40
              i32.const 4
              i32.sub
              local.set $l40
              br $L3
            end
          end
          local.get $l40
          i32.const 1
          i32.eq
          if $I6
            local.get $p3
            v128.load32_splat offset=4
            local.tee $l13
            local.get $l37
            v128.load offset=48 align=4
            f32x4.mul
            local.get $p3
            v128.load32_splat
            local.tee $l12
            local.get $l37
            v128.load offset=16 align=4
            f32x4.mul
            local.get $l39
            i32.const 1152
            i32.add
            local.tee $p3
            v128.load offset=16 align=4
            f32x4.add
            f32x4.add
            local.set $l11
            local.get $l36
            local.get $l13
            local.get $l37
            v128.load offset=32 align=4
            f32x4.mul
            local.get $l12
            local.get $l37
            v128.load align=4
            f32x4.mul
            local.get $p3
            v128.load align=4
            f32x4.add
            f32x4.add
            v128.store align=4
            local.get $l36
            local.get $l11
            v128.store offset=16 align=4
          else
            local.get $l40
            i32.const 2
            i32.eq
            if $I7
              local.get $l39
              i32.const 1152
              i32.add
              local.tee $p4
              v128.load align=4
              local.tee $l13
              local.set $l15
              local.get $p4
              v128.load offset=16 align=4
              local.tee $l12
              local.set $l16
              local.get $l37
              local.set $p5
              local.get $p3
              local.tee $p4
              i32.const 8
              i32.add
              local.set $p3
              loop $L8
                local.get $l15
                local.get $p4
                v128.load32_splat offset=4
                local.tee $l11
                local.get $p5
                v128.load offset=32 align=4
                local.tee $l14
                f32x4.mul
                local.get $p4
                v128.load32_splat
                local.tee $l17
                local.get $p5
                v128.load align=4
                local.tee $l18
                f32x4.mul
                f32x4.add
                f32x4.add
                local.set $l15
                local.get $l13
                local.get $p4
                v128.load32_splat offset=12
                local.tee $l19
                local.get $l14
                f32x4.mul
                local.get $p4
                v128.load32_splat offset=8
                local.tee $l14
                local.get $l18
                f32x4.mul
                f32x4.add
                f32x4.add
                local.set $l13
                local.get $l16
                local.get $l11
                local.get $p5
                v128.load offset=48 align=4
                local.tee $l11
                f32x4.mul
                local.get $l17
                local.get $p5
                v128.load offset=16 align=4
                local.tee $l17
                f32x4.mul
                f32x4.add
                f32x4.add
                local.set $l16
                local.get $l12
                local.get $l19
                local.get $l11
                f32x4.mul
                local.get $l14
                local.get $l17
                f32x4.mul
                f32x4.add
                f32x4.add
                local.set $l12
                local.get $p5
                i32.const -64
                i32.sub
                local.set $p5
                local.get $p3
                local.get $p4
                i32.const 8
                i32.add
                local.tee $p4
                i32.ne
                br_if $L8
              end
              local.get $l36
              local.get $l15
              v128.store align=4
              local.get $l36
              local.get $l16
              v128.store offset=16 align=4
              local.get $l36
              local.get $l13
              v128.store offset=64 align=4
              local.get $l36
              local.get $l12
              v128.store offset=80 align=4
            else
              local.get $l40
              i32.const 3
              i32.eq
              if $I9
                local.get $l39
                i32.const 1152
                i32.add
                local.tee $p4
                v128.load align=4
                local.tee $l13
                local.set $l15
                local.get $p4
                v128.load offset=16 align=4
                local.tee $l12
                local.set $l16
                local.get $l13
                local.set $l11
                local.get $l12
                local.set $l14
                local.get $l37
                local.set $p5
                local.get $p3
                local.tee $p4
                i32.const 8
                i32.add
                local.set $p3
                loop $L10
                  local.get $p4
                  v128.load32_splat
                  local.tee $l18
                  local.get $p5
                  v128.load align=4
                  local.tee $l17
                  f32x4.mul
                  local.get $l15
                  f32x4.add
                  local.set $l15
                  local.get $l18
                  local.get $p5
                  v128.load offset=16 align=4
                  local.tee $l18
                  f32x4.mul
                  local.get $l16
                  f32x4.add
                  local.set $l16
                  local.get $p4
                  v128.load32_splat offset=8
                  local.tee $l19
                  local.get $l17
                  f32x4.mul
                  local.get $l13
                  f32x4.add
                  local.set $l13
                  local.get $l19
                  local.get $l18
                  f32x4.mul
                  local.get $l12
                  f32x4.add
                  local.set $l12
                  local.get $p4
                  v128.load32_splat offset=16
                  local.tee $l19
                  local.get $l17
                  f32x4.mul
                  local.get $l11
                  f32x4.add
                  local.set $l11
                  local.get $l19
                  local.get $l18
                  f32x4.mul
                  local.get $l14
                  f32x4.add
                  local.set $l14
                  local.get $p5
                  i32.const 32
                  i32.add
                  local.set $p5
                  local.get $p3
                  local.get $p4
                  i32.const 4
                  i32.add
                  local.tee $p4
                  i32.ne
                  br_if $L10
                end
                local.get $l36
                local.get $l15
                v128.store align=4
                local.get $l36
                local.get $l16
                v128.store offset=16 align=4
                local.get $l36
                local.get $l13
                v128.store offset=64 align=4
                local.get $l36
                local.get $l12
                v128.store offset=80 align=4
                local.get $l36
                local.get $l11
                v128.store offset=128 align=4
                local.get $l36
                local.get $l14
                v128.store offset=144 align=4
              end
            end
          end
          local.get $l39
          i32.const 32
          i32.add
          local.set $l39
          local.get $l37
          i32.const -64
          i32.sub
          local.set $l37
          br $L1
        end
      end
    end
    i32.const 1520
    i32.load
    i32.const 0
    local.get $p10
    select
    i32.eqz
    local.tee $p3
    if $I11
      i32.const 1408
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store align=1
      i32.const 1440
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store align=1
    end
    i32.const 1424
    i32.const 1408
    i32.const 1408
    i32.const 1520
    i32.load
    local.get $p3
    select
    local.tee $p3
    i32.const 1408
    i32.eq
    select
    local.set $p4
    i32.const 0
    local.set $p10
    loop $L12
      local.get $p0
      local.get $p10
      i32.gt_s
      if $I13
        i32.const 0
        local.set $p5
        loop $L14
          local.get $p1
          local.get $p5
          i32.const 1
          i32.add
          i32.ge_s
          if $I15
            local.get $p5
            i32.const 6
            i32.shl
            i32.const 1536
            i32.add
            local.get $p9
            local.get $p1
            local.get $p10
            i32.mul
            local.get $p5
            i32.add
            local.tee $l38
            i32.const 6
            i32.shl
            i32.add
            local.get $l42
            select
            local.set $l37
            local.get $l42
            if $I16
              local.get $p2
              local.get $l38
              i32.const 3
              i32.shl
              i32.add
              local.set $l40
              i32.const 0
              local.set $l39
              loop $L17
                local.get $l39
                i32.const 64
                i32.lt_s
                if $I18
                  local.get $l39
                  i32.const 1152
                  i32.add
                  local.tee $l38
                  v128.load align=4
                  local.set $l13
                  local.get $l38
                  v128.load offset=16 align=4
                  local.set $l12
                  local.get $l38
                  v128.load offset=32 align=4
                  local.set $l11
                  local.get $l38
                  v128.load offset=48 align=4
                  local.set $l14
                  local.get $l39
                  i32.const 1
                  i32.shl
                  i32.const 1024
                  i32.add
                  local.set $l36
                  local.get $l40
                  local.tee $l38
                  i32.const 8
                  i32.add
                  local.set $l41
                  loop $L19
                    local.get $l13
                    local.get $l38
                    v128.load32_splat offset=4
                    local.tee $l15
                    local.get $l36
                    v128.load offset=32 align=4
                    f32x4.mul
                    local.get $l38
                    v128.load32_splat
                    local.tee $l16
                    local.get $l36
                    v128.load align=4
                    f32x4.mul
                    f32x4.add
                    f32x4.add
                    local.set $l13
                    local.get $l12
                    local.get $l15
                    local.get $l36
                    v128.load offset=48 align=4
                    f32x4.mul
                    local.get $l16
                    local.get $l36
                    v128.load offset=16 align=4
                    f32x4.mul
                    f32x4.add
                    f32x4.add
                    local.set $l12
                    local.get $l11
                    local.get $l15
                    local.get $l36
                    v128.load offset=96 align=4
                    f32x4.mul
                    local.get $l16
                    local.get $l36
                    v128.load offset=64 align=4
                    f32x4.mul
                    f32x4.add
                    f32x4.add
                    local.set $l11
                    local.get $l14
                    local.get $l15
                    local.get $l36
                    v128.load offset=112 align=4
                    f32x4.mul
                    local.get $l16
                    local.get $l36
                    v128.load offset=80 align=4
                    f32x4.mul
                    f32x4.add
                    f32x4.add
                    local.set $l14
                    local.get $l36
                    i32.const -64
                    i32.sub
                    local.set $l36
                    local.get $l41
                    local.get $l38
                    i32.const 8
                    i32.add
                    local.tee $l38
                    i32.ne
                    br_if $L19
                  end
                  local.get $l37
                  local.get $l39
                  i32.add
                  local.tee $l38
                  local.get $l13
                  v128.store align=4
                  local.get $l38
                  local.get $l12
                  v128.store offset=16 align=4
                  local.get $l38
                  local.get $l11
                  v128.store offset=32 align=4
                  local.get $l38
                  local.get $l14
                  v128.store offset=48 align=4
                  local.get $l39
                  i32.const -64
                  i32.sub
                  local.set $l39
                  br $L17
                end
              end
            end
            local.get $p6
            local.get $p1
            local.get $p10
            i32.mul
            local.get $p5
            i32.add
            i32.const 12
            i32.mul
            i32.add
            local.set $l36
            local.get $l37
            v128.load align=4
            local.set $l13
            local.get $l37
            v128.load offset=16 align=4
            local.set $l12
            local.get $l37
            v128.load offset=32 align=4
            local.set $l11
            local.get $l37
            v128.load offset=48 align=4
            local.set $l14
            i32.const 1216
            local.set $l37
            local.get $p3
            local.get $p5
            i32.const 4
            i32.shl
            local.tee $l40
            i32.add
            local.tee $l38
            i32.const 8
            i32.add
            local.set $l39
            loop $L20
              local.get $l13
              local.get $l38
              v128.load32_splat offset=4
              local.tee $l15
              local.get $l37
              v128.load offset=64 align=4
              f32x4.mul
              local.get $l38
              v128.load32_splat
              local.tee $l16
              local.get $l37
              v128.load align=4
              f32x4.mul
              f32x4.add
              f32x4.add
              local.set $l13
              local.get $l12
              local.get $l15
              local.get $l37
              v128.load offset=80 align=4
              f32x4.mul
              local.get $l16
              local.get $l37
              v128.load offset=16 align=4
              f32x4.mul
              f32x4.add
              f32x4.add
              local.set $l12
              local.get $l11
              local.get $l15
              local.get $l37
              v128.load offset=96 align=4
              f32x4.mul
              local.get $l16
              local.get $l37
              v128.load offset=32 align=4
              f32x4.mul
              f32x4.add
              f32x4.add
              local.set $l11
              local.get $l14
              local.get $l15
              local.get $l37
              v128.load offset=112 align=4
              f32x4.mul
              local.get $l16
              local.get $l37
              v128.load offset=48 align=4
              f32x4.mul
              f32x4.add
              f32x4.add
              local.set $l14
              local.get $l37
              i32.const 128
              i32.add
              local.set $l37
              local.get $l39
              local.get $l38
              i32.const 8
              i32.add
              local.tee $l38
              i32.ne
              br_if $L20
            end
            local.get $l38
            v128.load32_splat
            local.tee $l15
            local.get $l37
            v128.load offset=16 align=4
            f32x4.mul
            local.get $l12
            f32x4.add
            local.set $l12
            local.get $l15
            local.get $l37
            v128.load offset=32 align=4
            f32x4.mul
            local.get $l11
            f32x4.add
            local.set $l11
            local.get $l15
            local.get $l37
            v128.load offset=48 align=4
            f32x4.mul
            local.get $l14
            f32x4.add
            local.set $l14
            local.get $l40
            i32.const 2
            i32.shl
            i32.const 1456
            i32.add
            local.tee $l38
            local.get $l15
            local.get $l37
            v128.load align=4
            f32x4.mul
            local.get $l13
            f32x4.add
            v128.store align=4
            local.get $l38
            local.get $l12
            v128.store offset=16 align=4
            local.get $l38
            local.get $l11
            v128.store offset=32 align=4
            local.get $l38
            local.get $l14
            v128.store offset=48 align=4
            local.get $p3
            local.get $l40
            i32.add
            v128.load align=4
            drop
            local.get $l38
            v128.load align=4
            i32.const 256
            v128.load
            local.tee $l13
            f32x4.pmax
            i32.const 272
            v128.load
            local.tee $l11
            f32x4.pmin
            local.tee $l22
            i32.const 288
            v128.load
            local.tee $l14
            f32x4.mul
            i32.const 304
            v128.load
            local.tee $l12
            f32x4.add
            local.tee $l23
            local.get $l12
            f32x4.sub
            local.set $l17
            local.get $l38
            v128.load offset=32 align=4
            local.get $l13
            f32x4.pmax
            local.get $l11
            f32x4.pmin
            local.tee $l16
            local.get $l14
            f32x4.mul
            local.get $l12
            f32x4.add
            local.tee $l24
            local.get $l12
            f32x4.sub
            local.set $l18
            local.get $l38
            v128.load offset=48 align=4
            local.tee $l25
            i32.const 464
            v128.load
            local.tee $l15
            v128.or
            local.tee $l19
            local.get $l19
            f32x4.add
            i32.const 480
            v128.load
            local.tee $l26
            f32x4.pmax
            local.tee $l27
            i32.const 496
            v128.load
            local.tee $l33
            f32x4.mul
            local.get $l12
            f32x4.add
            local.tee $l28
            local.get $l12
            f32x4.sub
            local.set $l19
            local.get $l38
            v128.load offset=16 align=4
            local.get $l13
            f32x4.pmax
            local.get $l11
            f32x4.pmin
            local.tee $l34
            local.get $l14
            f32x4.mul
            local.get $l12
            f32x4.add
            local.tee $l35
            local.get $l12
            f32x4.sub
            local.set $l20
            i32.const 448
            v128.load
            local.tee $l13
            i32.const 352
            v128.load
            local.tee $l21
            local.get $l16
            local.get $l18
            i32.const 320
            v128.load
            local.tee $l16
            f32x4.mul
            f32x4.add
            local.get $l18
            i32.const 336
            v128.load
            local.tee $l14
            f32x4.mul
            f32x4.add
            local.tee $l11
            f32x4.mul
            i32.const 368
            v128.load
            local.tee $l18
            f32x4.add
            local.get $l11
            f32x4.mul
            i32.const 384
            v128.load
            local.tee $l29
            f32x4.add
            local.get $l11
            f32x4.mul
            i32.const 400
            v128.load
            local.tee $l30
            f32x4.add
            local.get $l11
            f32x4.mul
            i32.const 416
            v128.load
            local.tee $l31
            f32x4.add
            local.get $l11
            f32x4.mul
            i32.const 432
            v128.load
            local.tee $l32
            f32x4.add
            local.get $l11
            f32x4.mul
            local.get $l13
            f32x4.add
            local.get $l24
            i32.const 23
            i32x4.shl
            local.get $l13
            i32x4.add
            f32x4.mul
            local.get $l13
            f32x4.add
            f32x4.div
            local.get $l40
            i32.const 1440
            i32.add
            local.tee $l37
            v128.load align=4
            f32x4.mul
            local.get $l13
            local.get $l21
            local.get $l22
            local.get $l17
            local.get $l16
            f32x4.mul
            f32x4.add
            local.get $l17
            local.get $l14
            f32x4.mul
            f32x4.add
            local.tee $l11
            f32x4.mul
            local.get $l18
            f32x4.add
            local.get $l11
            f32x4.mul
            local.get $l29
            f32x4.add
            local.get $l11
            f32x4.mul
            local.get $l30
            f32x4.add
            local.get $l11
            f32x4.mul
            local.get $l31
            f32x4.add
            local.get $l11
            f32x4.mul
            local.get $l32
            f32x4.add
            local.get $l11
            f32x4.mul
            local.get $l13
            f32x4.add
            local.get $l23
            i32.const 23
            i32x4.shl
            local.get $l13
            i32x4.add
            f32x4.mul
            local.get $l13
            f32x4.add
            f32x4.div
            v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
            local.get $l28
            i32.const 23
            i32x4.shl
            local.get $l13
            i32x4.add
            local.tee $l17
            local.get $l27
            local.get $l19
            local.get $l16
            f32x4.mul
            f32x4.sub
            local.get $l19
            local.get $l14
            f32x4.mul
            f32x4.sub
            local.tee $l11
            local.get $l11
            local.get $l11
            f32x4.mul
            i32.const 512
            v128.load
            local.tee $l19
            local.get $l11
            f32x4.mul
            i32.const 528
            v128.load
            local.tee $l22
            f32x4.add
            local.get $l11
            f32x4.mul
            i32.const 544
            v128.load
            local.tee $l23
            f32x4.add
            local.get $l11
            f32x4.mul
            i32.const 560
            v128.load
            local.tee $l24
            f32x4.add
            local.get $l11
            f32x4.mul
            i32.const 576
            v128.load
            local.tee $l27
            f32x4.add
            f32x4.mul
            f32x4.add
            f32x4.mul
            local.get $l17
            local.get $l13
            f32x4.sub
            f32x4.add
            local.tee $l11
            f32x4.sub
            local.get $l11
            i32.const 592
            v128.load
            local.tee $l28
            f32x4.add
            f32x4.div
            local.get $l25
            local.get $l15
            v128.and
            v128.or
            f32x4.mul
            f32x4.add
            local.tee $l11
            local.get $l15
            v128.or
            local.tee $l17
            local.get $l17
            f32x4.add
            local.get $l26
            f32x4.pmax
            local.tee $l25
            local.get $l33
            f32x4.mul
            local.get $l12
            f32x4.add
            local.tee $l26
            local.get $l12
            f32x4.sub
            local.set $l17
            local.get $l37
            local.get $l11
            v128.store align=4
            local.get $p4
            local.get $l40
            i32.add
            local.get $l13
            local.get $l21
            local.get $l34
            local.get $l20
            local.get $l16
            f32x4.mul
            f32x4.add
            local.get $l20
            local.get $l14
            f32x4.mul
            f32x4.add
            local.tee $l12
            f32x4.mul
            local.get $l18
            f32x4.add
            local.get $l12
            f32x4.mul
            local.get $l29
            f32x4.add
            local.get $l12
            f32x4.mul
            local.get $l30
            f32x4.add
            local.get $l12
            f32x4.mul
            local.get $l31
            f32x4.add
            local.get $l12
            f32x4.mul
            local.get $l32
            f32x4.add
            local.get $l12
            f32x4.mul
            local.get $l13
            f32x4.add
            local.get $l35
            i32.const 23
            i32x4.shl
            local.get $l13
            i32x4.add
            f32x4.mul
            local.get $l13
            f32x4.add
            f32x4.div
            v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
            local.get $l26
            i32.const 23
            i32x4.shl
            local.get $l13
            i32x4.add
            local.tee $l18
            local.get $l25
            local.get $l17
            local.get $l16
            f32x4.mul
            f32x4.sub
            local.get $l17
            local.get $l14
            f32x4.mul
            f32x4.sub
            local.tee $l12
            local.get $l12
            local.get $l12
            f32x4.mul
            local.get $l19
            local.get $l12
            f32x4.mul
            local.get $l22
            f32x4.add
            local.get $l12
            f32x4.mul
            local.get $l23
            f32x4.add
            local.get $l12
            f32x4.mul
            local.get $l24
            f32x4.add
            local.get $l12
            f32x4.mul
            local.get $l27
            f32x4.add
            f32x4.mul
            f32x4.add
            f32x4.mul
            local.get $l18
            local.get $l13
            f32x4.sub
            f32x4.add
            local.tee $l13
            f32x4.sub
            local.get $l13
            local.get $l28
            f32x4.add
            f32x4.div
            local.get $l11
            local.get $l15
            v128.and
            v128.or
            f32x4.mul
            local.tee $l13
            v128.store align=4
            local.get $l36
            local.get $l13
            v128.store64_lane align=4 0
            local.get $l36
            local.get $l13
            v128.store32_lane offset=8 2
            local.get $p5
            i32.const 1
            i32.add
            local.set $p5
            br $L14
          end
        end
        local.get $p3
        local.set $p5
        local.get $p4
        local.set $p3
        local.get $p5
        local.set $p4
        local.get $p10
        i32.const 1
        i32.add
        local.set $p10
        br $L12
      end
    end
    i32.const 1520
    local.get $p3
    i32.store
    i32.const 0
    local.set $p5
    loop $L21
      local.get $p1
      local.get $p5
      i32.gt_s
      if $I22
        local.get $p7
        local.get $p5
        i32.const 12
        i32.mul
        i32.add
        local.get $p3
        local.get $p5
        i32.const 4
        i32.shl
        i32.add
        i32.const 12
        memory.copy
        local.get $p5
        i32.const 1
        i32.add
        local.set $p5
        br $L21
      end
    end
    i32.const 0
    local.set $p5
    loop $L23
      local.get $p1
      local.get $p5
      i32.gt_s
      if $I24
        local.get $p8
        local.get $p5
        i32.const 12
        i32.mul
        i32.add
        local.get $p5
        i32.const 4
        i32.shl
        i32.const 1440
        i32.add
        i32.const 12
        memory.copy
        local.get $p5
        i32.const 1
        i32.add
        local.set $p5
        br $L23
      end
    end)
  (func $f1 (type $t1)
    i32.const 256
    v128.const i32x4 0xc2b16666 0xc2b16666 0xc2b16666 0xc2b16666
    v128.store
    i32.const 272
    v128.const i32x4 0x42aea8f6 0x42aea8f6 0x42aea8f6 0x42aea8f6
    v128.store
    i32.const 288
    v128.const i32x4 0xbfb8aa3b 0xbfb8aa3b 0xbfb8aa3b 0xbfb8aa3b
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
    v128.const i32x4 0x3ab51226 0x3ab51226 0x3ab51226 0x3ab51226
    v128.store
    i32.const 368
    v128.const i32x4 0xbc091cea 0xbc091cea 0xbc091cea 0xbc091cea
    v128.store
    i32.const 384
    v128.const i32x4 0x3d2aac79 0x3d2aac79 0x3d2aac79 0x3d2aac79
    v128.store
    i32.const 400
    v128.const i32x4 0xbe2aaa49 0xbe2aaa49 0xbe2aaa49 0xbe2aaa49
    v128.store
    i32.const 416
    v128.const i32x4 0x3efffffe 0x3efffffe 0x3efffffe 0x3efffffe
    v128.store
    i32.const 432
    v128.const i32x4 0xbf800000 0xbf800000 0xbf800000 0xbf800000
    v128.store
    i32.const 448
    v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000
    v128.store
    i32.const 464
    v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000
    v128.store
    i32.const 480
    v128.const i32x4 0xc1a00000 0xc1a00000 0xc1a00000 0xc1a00000
    v128.store
    i32.const 496
    v128.const i32x4 0x3fb8aa3b 0x3fb8aa3b 0x3fb8aa3b 0x3fb8aa3b
    v128.store
    i32.const 512
    v128.const i32x4 0x3ab634f9 0x3ab634f9 0x3ab634f9 0x3ab634f9
    v128.store
    i32.const 528
    v128.const i32x4 0x3c09058e 0x3c09058e 0x3c09058e 0x3c09058e
    v128.store
    i32.const 544
    v128.const i32x4 0x3d2aaadd 0x3d2aaadd 0x3d2aaadd 0x3d2aaadd
    v128.store
    i32.const 560
    v128.const i32x4 0x3e2aaa6f 0x3e2aaa6f 0x3e2aaa6f 0x3e2aaa6f
    v128.store
    i32.const 576
    v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000
    v128.store
    i32.const 592
    v128.const i32x4 0x40000000 0x40000000 0x40000000 0x40000000
    v128.store)
  (export "run" (func $run))
  (start $f1))
