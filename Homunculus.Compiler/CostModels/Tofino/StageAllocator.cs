using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Emitters.Tna;

namespace Homunculus.Compiler.CostModels.Tofino;

/// <summary>A logical table to place: what it reads (match key, action operands, gateway), writes, and costs.</summary>
public sealed record LogicalTable(string Name, IReadOnlyCollection<string> Reads, IReadOnlyCollection<string> Writes, long Sram, long Tcam, string Kind)
{
    /// <summary>Logical table IDs it takes in its stage (a long gateway chain is several chained gateways).</summary>
    public int Count { get; init; } = 1;

    /// <summary>Stateful ALUs it uses: one per register it reads and writes.</summary>
    public int StatefulAlus { get; init; }
}

public sealed record Placement(LogicalTable Table, int Stage);

/// <summary>One stage's use: logical tables, SRAM and TCAM blocks, and the tables placed there.</summary>
public sealed record StageUse(int Stage, int Tables, long Sram, long Tcam, IReadOnlyList<string> Names)
{
    public int StatefulAlus { get; init; }
}

/// <summary>A limit the program breaks: the parameter's name, what the program needs, what the target has.</summary>
public sealed record LimitProblem(string Parameter, string What, long Needed, long Available)
{
    public override string ToString() => $"{What} needs {Needed}, the target has {Available} ({Parameter})";
}

public sealed record StageAllocation(IReadOnlyList<Placement> Placements, IReadOnlyList<StageUse> Stages, int StagesUsed, int PhvBits, IReadOnlyList<LimitProblem> Problems)
{
    public bool Fits => Problems.Count == 0;

    public int StageOf(string table) => Placements.Single(p => p.Table.Name == table).Stage;
}

/// <summary>
/// Places logical tables on MAU stages, in program order, greedily: a table goes to the first stage at or
/// after its earliest one that still has logical table slots, SRAM and TCAM blocks and stateful ALUs for it. Its earliest
/// stage honours the dependencies on the tables before it: a table that matches on, or whose action or
/// gateway reads, a field an earlier table writes (match / action dependency), or that writes a field an
/// earlier table writes, goes to a LATER stage; one that only overwrites what an earlier table reads may
/// share its stage. A table larger than one stage does not fit (tables are not split across stages). Stages
/// beyond the pipeline are still allocated, so the figure says how many the program would need.
/// </summary>
public static class StageAllocator
{
    public static StageAllocation Allocate(IReadOnlyList<LogicalTable> tables, TofinoResources resources, int phvBits = 0)
    {
        var problems = new List<LimitProblem>();
        var placements = new List<Placement>();
        var stages = new List<(int Tables, long Sram, long Tcam, int Alus, List<string> Names)>();
        foreach (var table in tables)
        {
            if (table.Sram > resources.SramBlocksPerStage)
                problems.Add(new LimitProblem("sramBlocksPerStage", $"table {table.Name}: SRAM blocks", table.Sram, resources.SramBlocksPerStage));
            if (table.Tcam > resources.TcamBlocksPerStage)
                problems.Add(new LimitProblem("tcamBlocksPerStage", $"table {table.Name}: TCAM blocks", table.Tcam, resources.TcamBlocksPerStage));
            int earliest = 0;
            foreach (var before in placements)
            {
                var other = before.Table;
                if (table.Reads.Overlaps(other.Writes) || table.Writes.Overlaps(other.Writes)) earliest = Math.Max(earliest, before.Stage + 1);
                else if (table.Writes.Overlaps(other.Reads)) earliest = Math.Max(earliest, before.Stage);
            }
            if (table.StatefulAlus > resources.StatefulAlusPerStage)
                problems.Add(new LimitProblem("statefulAlusPerStage", $"table {table.Name}: stateful ALUs", table.StatefulAlus, resources.StatefulAlusPerStage));
            long sram = Math.Min(table.Sram, resources.SramBlocksPerStage), tcam = Math.Min(table.Tcam, resources.TcamBlocksPerStage);
            int alus = Math.Min(table.StatefulAlus, resources.StatefulAlusPerStage), count = Math.Min(table.Count, resources.TablesPerStage);
            int stage = earliest;
            while (true)
            {
                while (stages.Count <= stage) stages.Add((0, 0, 0, 0, new List<string>()));
                var use = stages[stage];
                if (use.Tables + count <= resources.TablesPerStage && use.Sram + sram <= resources.SramBlocksPerStage && use.Tcam + tcam <= resources.TcamBlocksPerStage
                    && use.Alus + alus <= resources.StatefulAlusPerStage) break;
                stage++;
            }
            var u = stages[stage];
            u.Names.Add(table.Name);
            stages[stage] = (u.Tables + table.Count, u.Sram + table.Sram, u.Tcam + table.Tcam, u.Alus + table.StatefulAlus, u.Names);
            placements.Add(new Placement(table, stage));
        }
        int used = placements.Count == 0 ? 0 : placements.Max(p => p.Stage) + 1;
        if (used > resources.Stages) problems.Add(new LimitProblem("stages", "the dependency chain and per-stage capacity: MAU stages", used, resources.Stages));
        if (phvBits > resources.PhvBits) problems.Add(new LimitProblem("phvBits", "headers and metadata: PHV bits", phvBits, resources.PhvBits));
        var uses = stages.Select((s, i) => new StageUse(i, s.Tables, s.Sram, s.Tcam, s.Names) { StatefulAlus = s.Alus }).Take(used).ToList();
        return new StageAllocation(placements, uses, used, phvBits, problems);
    }

    /// <summary>The logical tables of a lowered program: its tables, and one per group of arithmetic steps.</summary>
    public static IReadOnlyList<LogicalTable> LogicalTables(TnaProgram program, TofinoResources resources)
    {
        var result = new List<LogicalTable>();
        foreach (var group in program.Steps.GroupBy(s => s.Unit).OrderBy(g => program.Steps.ToList().IndexOf(g.First())))
        {
            var reads = new HashSet<string>(StringComparer.Ordinal);
            var writes = new HashSet<string>(StringComparer.Ordinal);
            long sram = 0, tcam = 0;
            int count = 1, alus = 0;
            string kind = "arithmetic";
            foreach (var step in group)
            {
                switch (step)
                {
                    case TnaApply apply:
                        var table = program.Table(apply.Table);
                        foreach (var k in table.Keys) reads.Add(k.Field);
                        foreach (var (field, _) in table.Action.Sets) writes.Add(field);
                        (sram, tcam) = resources.Cost(table);
                        kind = table.IsTernary ? "ternary" : "exact";
                        break;
                    case TnaAdd add: Read(add.A); Read(add.B); writes.Add(add.Dst); break;
                    case TnaSatSub sub: Read(sub.A); Read(sub.B); writes.Add(sub.Dst); break;
                    case TnaSet set: Read(set.Src); writes.Add(set.Dst); break;
                    case TnaReadField read:
                        kind = "gateway";
                        foreach (var s in read.Sources) { reads.Add(s.Field); if (s.Header is not null) reads.Add(s.Header + ".$valid"); }
                        writes.Add(read.Dst);
                        break;
                    case TnaFlowStep flow:
                        reads.UnionWith(flow.Reads);
                        writes.UnionWith(flow.Writes);
                        sram += flow.SramBlocks(resources);
                        alus += flow.StatefulAlus;
                        count = Math.Max(count, flow.LogicalTables);
                        kind = flow.Kind;
                        break;
                    case TnaPick pick:
                        reads.Add(pick.Test);
                        kind = "gateway";
                        foreach (var (dst, a, b) in pick.Assign) { Read(a); Read(b); writes.Add(dst); }
                        break;
                }
            }
            result.Add(new LogicalTable(group.Key, reads, writes, sram, tcam, kind) { Count = count, StatefulAlus = alus });

            void Read(TnaOperand o) { if (o.Field is { } f) reads.Add(f); }
        }
        return result;
    }

    private static bool Overlaps(this IReadOnlyCollection<string> a, IReadOnlyCollection<string> b) => a.Any(b.Contains);
}
