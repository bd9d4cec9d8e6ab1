// The elementwise op lists. Each name is both the enum value and the functor in
// kiln::ew (backend/common/elementwise_ops.h), so compile can name the formula in code it
// generates.
#pragma once

#define KILN_UNARY_OPS(X)                                                                  \
  X(Abs) X(Negative) X(Sign) X(Square) X(Sqrt) X(Rsqrt) X(Reciprocal) X(Exp) X(Expm1)      \
  X(Log) X(Log2) X(Log10) X(Log1p) X(Sin) X(Cos) X(Tan) X(ArcSin) X(ArcCos) X(ArcTan)      \
  X(Sinh) X(Cosh) X(Tanh) X(ArcSinh) X(ArcCosh) X(ArcTanh) X(Erf) X(ErfInv) X(Sigmoid)     \
  X(Floor) X(Ceil) X(Trunc) X(Round) X(Conjugate) X(Real) X(Imag) X(LogicalNot) X(BitwiseInvert)    \
  X(IsNan) X(IsInf) X(IsFinite) X(IsPosInf) X(IsNegInf)

#define KILN_BINARY_OPS(X)                                                                 \
  X(Add) X(Subtract) X(Multiply) X(Divide) X(FloorDivide) X(Remainder) X(Power) X(Maximum) \
  X(Minimum) X(LogAddExp) X(ArcTan2) X(Equal) X(NotEqual) X(NaNEqual) X(Less) X(LessEqual) \
  X(Greater) X(GreaterEqual) X(LogicalAnd) X(LogicalOr) X(BitwiseAnd) X(BitwiseOr)         \
  X(BitwiseXor) X(LeftShift) X(RightShift)
