using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.CostModels.Tofino;
using Homunculus.Compiler.Emitters.Tna;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.CostModels;

/// <summary>
/// Tofino 1 (TNA): 12 MAU stages; no multiplication of two run-time values, so models are lowered to tables
/// (<see cref="TnaLowering"/>) and the tables placed on stages (<see cref="StageAllocator"/>) with the
/// resource model of <see cref="TofinoResources"/>. The figures are the commonly cited per-pipeline ones
/// (docs/targets.md, docs/tofino.md); the .hspec can override every one.
/// </summary>
public sealed class TofinoCostModel : CostModel
{
    public override string Target => "tofino";

    public override IReadOnlyDictionary<string, double> Defaults { get; } = new SortedDictionary<string, double>(StringComparer.Ordinal)
    {
        ["stages"] = 12,
        ["tablesPerStage"] = 16,
        ["sramBlocksPerStage"] = 80,
        ["tcamBlocksPerStage"] = 24,
        ["phvBits"] = 4096,
        ["sramBlockWords"] = 1024,
        ["sramWordBits"] = 128,
        ["tcamBlockEntries"] = 512,
        ["tcamBlockBits"] = 44,
        ["entryOverheadBits"] = 16,
        ["statefulAlusPerStage"] = 4,
    };

    public override string? CannotRun(string algorithm) => algorithm switch
    {
        "dnn" => "Tofino cannot multiply two run-time values, and a multi-layer perceptron multiplies every hidden activation by a weight; choose taurus or bmv2, or a table-based family",
        _ => null,
    };

    public override string? CannotReadField(string field) => TnaPacketParser.CannotRead(field);

    public override IEnumerable<(string Property, string Reason)> CannotKeepFlows(FlowSettings flow) => TnaFlowState.Problems(flow);

    /// <summary>Stages fill up along the schedule's depths; limits on one table or one stage are per element; PHV, tables and entries add up.</summary>
    public override FigureRule RuleOf(ResourceFigure figure) =>
        figure.Name == StagesFigure ? FigureRule.Depth
        : figure.Name.StartsWith("stage ", StringComparison.Ordinal) || figure.Name.Contains("largest", StringComparison.Ordinal) ? FigureRule.Largest
        : base.RuleOf(figure);

    public const string StagesFigure = "MAU stages";

    public TofinoResources Resources(PlatformSpec platform) => TofinoResources.From(name => Parameter(platform, name));

    /// <summary>The lowering and its stage allocation for <paramref name="platform"/>'s parameters (null allocation when there is no lowering).</summary>
    public (TnaLoweringResult Lowering, StageAllocation? Allocation) Analyze(ModelFile model, PlatformSpec platform)
    {
        var resources = Resources(platform);
        var lowering = TnaLowering.Lower(model, resources);
        return (lowering, lowering.Program is { } p ? TnaLowering.Allocate(model, p, resources) : null);
    }

    /// <summary>The composed program itself, lowered and placed: models share stages where their tables do not depend on each other.</summary>
    public override IReadOnlyList<ResourceFigure> EstimateSchedule(ModelFile file, PlatformSpec platform) => Estimate(file, platform);

    public override IReadOnlyList<ResourceFigure> Estimate(ModelFile model, PlatformSpec platform)
    {
        var resources = Resources(platform);
        var (lowering, allocation) = Analyze(model, platform);
        if (lowering.Program is null || allocation is null)
        {
            if (lowering.Needed == 0) throw new NotSupportedException($"no Tofino lowering: {lowering.Problem}");
            // The lowering itself cannot be built: report what it needed against the limit it broke (a range
            // mark's width, a table's entries), so the candidate is infeasible and the message says why.
            double budget = lowering.Limit > 0 ? Math.Min(lowering.Limit, (double)resources.SramBlocksPerStage * resources.SramBlockWords) : (double)resources.SramBlocksPerStage * resources.SramBlockWords;
            return new[]
            {
                new ResourceFigure { Name = $"largest element of the table mapping ({lowering.Problem})", Value = lowering.Needed, Budget = budget, Unit = "" },
            };
        }
        return Figures(lowering.Program, allocation, resources);
    }

    /// <summary>Figures with budgets (stages, the largest table's SRAM and TCAM blocks, PHV), then per-stage use (no budget).</summary>
    public static IReadOnlyList<ResourceFigure> Figures(TnaProgram program, StageAllocation allocation, TofinoResources resources)
    {
        var tables = allocation.Placements.Select(p => p.Table).ToList();
        var figures = new List<ResourceFigure>
        {
            new() { Name = StagesFigure, Value = allocation.StagesUsed, Budget = resources.Stages, Unit = "stages" },
            new() { Name = "SRAM blocks of the largest table", Value = tables.Select(t => t.Sram).DefaultIfEmpty(0).Max(), Budget = resources.SramBlocksPerStage, Unit = "blocks" },
            new() { Name = "TCAM blocks of the largest table", Value = tables.Select(t => t.Tcam).DefaultIfEmpty(0).Max(), Budget = resources.TcamBlocksPerStage, Unit = "blocks" },
            new() { Name = "PHV", Value = allocation.PhvBits, Budget = resources.PhvBits, Unit = "bits" },
            new() { Name = "tables", Value = program.Tables.Count, Unit = "" },
            new() { Name = "table entries", Value = program.Tables.Sum(t => t.Entries.Count), Unit = "" },
        };
        foreach (var s in allocation.Stages)
        {
            figures.Add(new() { Name = $"stage {s.Stage} logical tables", Value = s.Tables, Budget = resources.TablesPerStage, Unit = "" });
            figures.Add(new() { Name = $"stage {s.Stage} SRAM blocks", Value = s.Sram, Budget = resources.SramBlocksPerStage, Unit = "blocks" });
            figures.Add(new() { Name = $"stage {s.Stage} TCAM blocks", Value = s.Tcam, Budget = resources.TcamBlocksPerStage, Unit = "blocks" });
            if (s.StatefulAlus > 0) figures.Add(new() { Name = $"stage {s.Stage} stateful ALUs", Value = s.StatefulAlus, Budget = resources.StatefulAlusPerStage, Unit = "" });
        }
        return figures;
    }
}
