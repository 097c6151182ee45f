using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Emitters.Tna;

namespace Homunculus.Compiler.CostModels.Tofino;

/// <summary>
/// The Tofino resource model: what one logical table of a <see cref="TnaProgram"/> costs in a MAU stage.
/// Every figure is a parameter of <see cref="TofinoCostModel.Defaults"/> (docs/tofino.md):
/// <list type="bullet">
/// <item>ternary table: TCAM blocks = ceil(key bits / <c>tcamBlockBits</c>) x ceil(entries / <c>tcamBlockEntries</c>)
/// (entries after range-to-prefix expansion); its action data in SRAM: ceil(entries x ceil(action bits /
/// <c>sramWordBits</c>) / <c>sramBlockWords</c>);</item>
/// <item>exact table: SRAM blocks = ceil(entries x ceil((key + action + <c>entryOverheadBits</c>) bits / <c>sramWordBits</c>)
/// / <c>sramBlockWords</c>) (action data stored with the entry);</item>
/// <item>arithmetic (adders, comparisons, the gateway of an argmax step): one logical table, no memory;</item>
/// <item>register (per-flow state): one stateful ALU (<c>statefulAlusPerStage</c>) and ceil(entries x width /
/// (<c>sramBlockWords</c> x <c>sramWordBits</c>)) + 1 SRAM blocks of one stage (the extra block is the stateful table's
/// spare; a 64K x 32-bit register is 17 blocks, as bf-p4c placed it);</item>
/// <item>PHV: every header and metadata field rounded up to 8-, 16- or 32-bit containers; the standard headers
/// of a packet-field program in full (<see cref="TnaPacketParser.HeaderPhvBits"/>).</item>
/// </list>
/// </summary>
public sealed record TofinoResources
{
    public int Stages { get; init; } = 12;
    public int TablesPerStage { get; init; } = 16;
    public int SramBlocksPerStage { get; init; } = 80;
    public int TcamBlocksPerStage { get; init; } = 24;
    public int PhvBits { get; init; } = 4096;
    public int SramBlockWords { get; init; } = 1024;
    public int SramWordBits { get; init; } = 128;
    public int TcamBlockEntries { get; init; } = 512;
    public int TcamBlockBits { get; init; } = 44;
    public int EntryOverheadBits { get; init; } = 16;
    public int StatefulAlusPerStage { get; init; } = 4;

    public static TofinoResources From(Func<string, double> parameter) => new()
    {
        Stages = (int)parameter("stages"),
        TablesPerStage = (int)parameter("tablesPerStage"),
        SramBlocksPerStage = (int)parameter("sramBlocksPerStage"),
        TcamBlocksPerStage = (int)parameter("tcamBlocksPerStage"),
        PhvBits = (int)parameter("phvBits"),
        SramBlockWords = (int)parameter("sramBlockWords"),
        SramWordBits = (int)parameter("sramWordBits"),
        TcamBlockEntries = (int)parameter("tcamBlockEntries"),
        TcamBlockBits = (int)parameter("tcamBlockBits"),
        EntryOverheadBits = (int)parameter("entryOverheadBits"),
        StatefulAlusPerStage = (int)parameter("statefulAlusPerStage"),
    };

    public static TofinoResources Default { get; } = new();

    /// <summary>(SRAM blocks, TCAM blocks) of one table.</summary>
    public (long Sram, long Tcam) Cost(TnaTable table)
    {
        long entries = table.Entries.Count;
        if (entries == 0) return (0, 0);
        int actionBits = table.Action.DataBits;
        if (table.IsTernary)
        {
            long tcam = Ceil(table.KeyBits, TcamBlockBits) * Ceil(entries, TcamBlockEntries);
            long sram = actionBits == 0 ? 0 : Ceil(entries * Ceil(actionBits, SramWordBits), SramBlockWords);
            return (sram, tcam);
        }
        long words = Ceil(table.KeyBits + actionBits + EntryOverheadBits, SramWordBits);
        return (Ceil(entries * words, SramBlockWords), 0);
    }

    /// <summary>A table's entries the way <see cref="Cost"/> would count them without building the table.</summary>
    public long ExactSramBlocks(long entries, int keyBits, int actionBits) =>
        Ceil(entries * Ceil(keyBits + actionBits + EntryOverheadBits, SramWordBits), SramBlockWords);

    /// <summary>SRAM blocks of a register array of <paramref name="entries"/> values of <paramref name="bits"/> bits.</summary>
    public long RegisterSramBlocks(long entries, int bits) => Ceil(entries * bits, (long)SramBlockWords * SramWordBits) + 1;

    /// <summary>A scalar to compare lowerings: each table's TCAM and SRAM as fractions of one stage's, summed.</summary>
    public double Score(TnaProgram program) => program.Tables.Sum(t =>
    {
        var (sram, tcam) = Cost(t);
        return (double)sram / SramBlocksPerStage + (double)tcam / TcamBlocksPerStage;
    });

    /// <summary>PHV bits: the headers (Ethernet and the feature header, or the parsed standard headers) and every metadata field, each in whole containers.</summary>
    public static int Phv(Homunculus.Model.Ir.ModelFile model, TnaProgram program) =>
        (model.ReadsPacketFields
            ? TnaPacketParser.HeaderPhvBits(model)
            : Container(48) * 2 + Container(16) + model.Features.Sum(f => Container(f.FieldBits)) + Container(8) * Emitters.P4V1Model.P4FeatureTransport.ResultRefs(model).Count)
        + program.Metadata.Sum(f => Container(f.Bits));

    public static int Container(int bits) => bits <= 8 ? 8 : bits <= 16 ? 16 : (bits + 31) / 32 * 32;

    private static long Ceil(long a, long b) => (a + b - 1) / b;
}
