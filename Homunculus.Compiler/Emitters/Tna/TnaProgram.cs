using System.Collections.Generic;
using System.Linq;

namespace Homunculus.Compiler.Emitters.Tna;

/// <summary>
/// A lowered Tofino (TNA) program before it is written: metadata fields, match-action tables with their
/// entries, and the steps of the ingress <c>apply</c> block in order. The P4 text, the entries files
/// (JSON, bfrt_python) and the stage allocator all read this one description, so they cannot disagree.
/// Field names are as written in the ingress control (<c>m.x</c> metadata, <c>h.feat.f_x</c> header fields;
/// a packet-field program's features are metadata, <c>m.f_x</c>, read from the standard headers by <see cref="TnaReadField"/> steps).
/// </summary>
public sealed record TnaProgram
{
    /// <summary>"range marking", "interval codes", "lookup" or "constant": the lowering chosen.</summary>
    public string Lowering { get; init; } = "";

    /// <summary>Why this lowering (for the program's comments and the docs).</summary>
    public IReadOnlyList<string> Notes { get; init; } = new List<string>();

    public IReadOnlyList<TnaField> Metadata { get; init; } = new List<TnaField>();

    public IReadOnlyList<TnaTable> Tables { get; init; } = new List<TnaTable>();

    /// <summary>The apply block of the ingress control, in order (inside <c>if (h.feat.isValid())</c>; for every packet in a packet-field program).</summary>
    public IReadOnlyList<TnaStep> Steps { get; init; } = new List<TnaStep>();

    public TnaTable Table(string name) => Tables.Single(t => t.Name == name);
}

/// <summary>A metadata field (<c>m.name</c>) of <paramref name="Bits"/> bits, unsigned.</summary>
public sealed record TnaField(string Name, int Bits, string Comment);

public enum TnaMatch
{
    Exact,
    Ternary,
}

/// <summary>One key element; <paramref name="Bits"/> is the width of <paramref name="Field"/>.</summary>
public sealed record TnaKey(string Field, TnaMatch Match, int Bits)
{
    /// <summary>The key's name for the control plane (bfrt_python keyword): the field's last name component.</summary>
    public string ControlName => Field.Substring(Field.LastIndexOf('.') + 1);
}

public sealed record TnaParam(string Name, int Bits);

/// <summary>An action that sets each destination field to one of its parameters (the only action shape the lowerings need).</summary>
public sealed record TnaAction(string Name, IReadOnlyList<TnaParam> Params, IReadOnlyList<(string Field, string Param)> Sets)
{
    public int DataBits => Params.Sum(p => p.Bits);
}

/// <summary>A key value per key element (mask all ones for exact keys) and the action with its arguments.</summary>
public sealed record TnaEntry(IReadOnlyList<(ulong Value, ulong Mask)> Key, string Action, IReadOnlyList<ulong> Args);

public sealed record TnaTable(
    string Name,
    string Comment,
    IReadOnlyList<TnaKey> Keys,
    TnaAction Action,
    IReadOnlyList<TnaEntry> Entries,
    IReadOnlyList<ulong> DefaultArgs)
{
    public bool IsTernary => Keys.Any(k => k.Match == TnaMatch.Ternary);

    public int KeyBits => Keys.Sum(k => k.Bits);

    /// <summary>Value ranges the entries came from before prefix expansion (range tables; else = entries).</summary>
    public int Ranges { get; init; }
}

/// <summary>An operand of an arithmetic step: a field, or a constant of the destination's width.</summary>
public sealed record TnaOperand(string? Field, ulong Constant)
{
    public static TnaOperand Of(string field) => new(field, 0);

    public static TnaOperand Const(ulong value) => new(null, value);

    public bool IsConstant => Field is null;
}

/// <summary>One step of the ingress apply block. <see cref="Unit"/> groups steps the stage allocator places as one logical table.</summary>
public abstract record TnaStep(string Unit);

public sealed record TnaApply(string Table) : TnaStep(Table);

/// <summary><c>dst = a + b</c> (modulo 2^bits of dst).</summary>
public sealed record TnaAdd(string Unit, string Dst, TnaOperand A, TnaOperand B) : TnaStep(Unit);

/// <summary><c>dst = a |-| b</c>: saturating unsigned subtraction, nonzero exactly when a &gt; b.</summary>
public sealed record TnaSatSub(string Unit, string Dst, TnaOperand A, TnaOperand B) : TnaStep(Unit);

/// <summary><c>if (test != 0) { dst = then; ... } else { dst = else; ... }</c> (a gateway comparing a field with a constant).</summary>
public sealed record TnaPick(string Unit, string Test, IReadOnlyList<(string Dst, TnaOperand Then, TnaOperand Else)> Assign) : TnaStep(Unit);

/// <summary><c>dst = src</c>.</summary>
public sealed record TnaSet(string Unit, string Dst, TnaOperand Src) : TnaStep(Unit);
