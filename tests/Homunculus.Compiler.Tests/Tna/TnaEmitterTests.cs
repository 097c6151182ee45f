using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Homunculus.Compiler.CostModels;
using Homunculus.Compiler.CostModels.Tofino;
using Homunculus.Compiler.Emitters;
using Homunculus.Compiler.Emitters.Tna;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Tests.Tna;

/// <summary>
/// The Tofino emitter: golden files per family shape (Golden/tna_*/, rewritten with HOMUNCULUS_UPDATE_GOLDEN=1),
/// the emitted tables simulated from their entries JSON and compared with the reference interpreter, and
/// the entries files checked against the program's declarations.
/// </summary>
public sealed class TnaEmitterTests
{
    public static IEnumerable<object[]> Cases => TnaTestModels.CaseNames;

    private static IReadOnlyList<GeneratedFile> Emit(ModelFile model) => new TnaEmitter().Emit(model);

    [Theory]
    [MemberData(nameof(Cases))]
    public void EmittedFilesMatchGoldenFiles(string caseName)
    {
        var files = Emit(TnaTestModels.Get(caseName));
        string source = SourceDirectory();
        if (Environment.GetEnvironmentVariable(GoldenFileTests.UpdateVariable) == "1")
        {
            string target = Path.Combine(source, "Golden", caseName);
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            foreach (var file in files)
            {
                string path = Path.Combine(target, file.RelativePath);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, file.Content);
            }
            return;
        }
        string root = Path.Combine(AppContext.BaseDirectory, "Golden", caseName);
        Assert.True(Directory.Exists(root), $"no golden files for '{caseName}'; run with {GoldenFileTests.UpdateVariable}=1");
        var expected = Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(root, p).Replace('\\', '/')).OrderBy(p => p, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, files.Select(f => f.RelativePath).OrderBy(p => p, StringComparer.Ordinal).ToList());
        foreach (var file in files)
            Assert.True(File.ReadAllText(Path.Combine(root, file.RelativePath)).Replace("\r\n", "\n") == file.Content,
                $"{caseName}/{file.RelativePath} differs from its golden file; run with {GoldenFileTests.UpdateVariable}=1 and review the diff");
    }

    private static string SourceDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Homunculus.Compiler.Tests.csproj"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the test project's folder");
    }

    /// <summary>Rows that hit the edges: thresholds +-1, compand segment edges, category codes, 0, the field maximum, random values.</summary>
    internal static IEnumerable<long[]> Rows(ModelFile model, int count, int seed)
    {
        if (model.Model is TreeEnsembleModel)
        {
            foreach (var row in TreeEmitterTests.Packets(model, count, seed)) yield return row;
            yield break;
        }
        var rng = new Random(seed);
        var interesting = model.Features.Select(f =>
        {
            long fieldMax = f.FieldBits == 32 ? uint.MaxValue : (1L << f.FieldBits) - 1;
            var values = new List<long> { 0, 1, 2, fieldMax, fieldMax - 1 };
            for (int p = 0; p < f.FieldBits; p++) values.AddRange(new[] { (1L << p) - 1, 1L << p, (1L << p) + 1, (1L << p) + (1L << Math.Max(0, p - 3)) });
            values.AddRange(Enumerable.Range(0, f.Categories.Count + 2).Select(c => (long)c));
            return values.Where(v => v >= 0 && v <= fieldMax).Distinct().ToArray();
        }).ToArray();
        for (int r = 0; r < count; r++)
        {
            yield return interesting.Select((values, fi) =>
            {
                long fieldMax = model.Features[fi].FieldBits == 32 ? uint.MaxValue : (1L << model.Features[fi].FieldBits) - 1;
                return rng.Next(3) switch
                {
                    0 => (long)(rng.NextDouble() * fieldMax),
                    1 => rng.Next(0, (int)Math.Min(fieldMax, 300) + 1),
                    _ => values[rng.Next(values.Length)],
                };
            }).ToArray();
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SimulatedTablesMatchTheReferenceInterpreter(string caseName)
    {
        var model = TnaTestModels.Get(caseName);
        var files = Emit(model);
        var simulator = new TnaSimulator(files.Single(f => f.RelativePath.EndsWith("_entries.json", StringComparison.Ordinal)).Content);
        int rows = 0;
        var seen = new HashSet<int>();
        foreach (var row in Rows(model, 3000, 17))
        {
            int expected = ReferenceInterpreter.Predict(model, row);
            int actual = simulator.Run(model, row);
            Assert.True(expected == actual, $"{caseName}: row [{string.Join(", ", row)}] -> tables say {actual}, the reference {expected}");
            seen.Add(expected);
            rows++;
        }
        Assert.Equal(0, simulator.Overlaps);
        Assert.True(seen.Count > 1, $"{caseName}: the rows reach only class {string.Join(",", seen)}; the check would be weak");
    }

    [Fact]
    public void AMismatchingEntryIsCaught()
    {
        // The check can fail: take 5 votes from the first leaf of the forest's first tree table and some row disagrees.
        var model = TnaTestModels.Forest();
        string json = Emit(model).Single(f => f.RelativePath.EndsWith(".json", StringComparison.Ordinal)).Content;
        var parsed = JObject.Parse(json);
        var table = parsed["tables"]!.First(t => ((string)t["name"]!).StartsWith("tree_", StringComparison.Ordinal));
        var args = (JArray)table["entries"]![0]!["args"]!;
        args[0] = (ulong)args[0] - 5;
        var simulator = new TnaSimulator(parsed.ToString());
        Assert.Contains(Rows(model, 2000, 3), row => simulator.Run(model, row) != ReferenceInterpreter.Predict(model, row));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EntriesFilesNameOnlyDeclaredTablesAndActions(string caseName)
    {
        var files = Emit(TnaTestModels.Get(caseName));
        string p4 = files.Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content;
        var declaredTables = Regex.Matches(p4, @"^\s*table (\w+) \{", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        var declaredActions = Regex.Matches(p4, @"^\s*action (\w+)\(", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.NotEmpty(declaredTables);
        Assert.True(P4Text.Balanced(P4Text.StripLineComments(p4), '{', '}'));
        Assert.Contains("#include <tna.p4>", p4);
        Assert.Contains("Switch(pipe) main;", p4);
        Assert.DoesNotContain(" * ", P4Text.StripLineComments(p4));   // no run-time multiplication

        var json = JObject.Parse(files.Single(f => f.RelativePath.EndsWith(".json", StringComparison.Ordinal)).Content);
        foreach (var table in json["tables"]!)
        {
            Assert.Contains((string)table["name"]!, declaredTables);
            string action = (string)table["action"]!["name"]!;
            Assert.Contains(action, declaredActions);
            int parameters = table["action"]!["params"]!.Count();
            Assert.Equal(parameters, table["default"]!.Count());
            foreach (var entry in table["entries"]!)
            {
                Assert.Equal(action, (string)entry["action"]!);
                Assert.Equal(parameters, entry["args"]!.Count());
                Assert.Equal(table["keys"]!.Count(), entry["key"]!.Count());
            }
        }
        Assert.Equal(declaredTables.OrderBy(x => x), json["tables"]!.Select(t => (string)t["name"]!).OrderBy(x => x));

        string py = files.Single(f => f.RelativePath.EndsWith(".py", StringComparison.Ordinal)).Content;
        foreach (Match m in Regex.Matches(py, @"\bt = ig\.(\w+)$", RegexOptions.Multiline)) Assert.Contains(m.Groups[1].Value, declaredTables);
        foreach (Match m in Regex.Matches(py, @"\.(?:add_with|set_default_with)_(\w+)\(")) Assert.Contains(m.Groups[1].Value, declaredActions);
        int pyEntries = Regex.Matches(py, @"\.add_with_").Count;
        Assert.Equal(json["tables"]!.Sum(t => t["entries"]!.Count()), pyEntries);
        Assert.Equal(pyEntries, Regex.Matches(p4, @" : \w+\([^)]*\);$", RegexOptions.Multiline).Count);
    }

    [Fact]
    public void TreesUseRangeMarkingOrIntervalCodesAndForestsHaveNoVoteTable()
    {
        var forest = TnaTestModels.Forest();
        var program = TnaLowering.Lower(forest).Program!;
        Assert.Contains(program.Lowering, new[] { TnaTreeLowering.Marking, TnaTreeLowering.Codes });
        // feature tables + one table per tree; no table over the trees' votes
        Assert.Equal(3 + 3, program.Tables.Count);
        Assert.All(program.Tables, t => Assert.True(t.Keys.All(k => !k.Field.Contains("_c", StringComparison.Ordinal))));
        // range marking: one entry per leaf (minus the default) in a tree table
        if (program.Lowering == TnaTreeLowering.Marking)
            Assert.Equal(3, program.Table("tree_0").Entries.Count);

        // one tree: its table decides directly, no sums and no argmax
        var tree = TnaLowering.Lower(TnaTestModels.Tree()).Program!;
        Assert.DoesNotContain(tree.Steps, s => s is TnaPick);
        Assert.Contains(tree.Tables, t => t.Action.Sets.Any(s => s.Field == "h.feat.result"));
    }

    [Fact]
    public void ComparisonWithPlanterCountsBothMappings()
    {
        var (ours, planter) = TofinoComparison.Compare(TnaTestModels.Forest());
        Assert.Equal(3 + 3 + 1, planter.Tables);          // 3 feature tables, 3 tree tables, the vote table
        Assert.Equal(3, planter.Stages);
        // vote table: 3^3; tree tables: 2 x 2 x 2, 2 x 2 x 2, 2 x 2 code tuples; feature tables: 3 intervals each
        Assert.Equal(27 + 8 + 8 + 4 + 9, planter.Entries);
        Assert.Equal(6, ours.Tables);
        Assert.True(ours.Stages <= 12);
        Assert.True(ours.Entries > 0);
    }

    [Fact]
    public void WideSquaredIdentityDoesNotFitAndSaysWhichLimit()
    {
        var model = TnaTestModels.Bayes();
        var features = model.Features.ToArray();
        features[0] = features[0] with { Bits = 32, Max = uint.MaxValue };   // a squared identity of a 32-bit field: 2^32 values
        model = model with { Features = features.ToEquatableArray() };
        Assert.False(new TnaEmitter().Supports(model));
        var figures = new TofinoCostModel().Estimate(model, Platform());
        var broken = Assert.Single(figures, f => !f.Fits);
        Assert.Contains("flags", broken.Name);
        Assert.Equal(4294967296, broken.Value);
        Assert.Equal(80 * 1024, broken.Budget);
    }

    private static PlatformSpec Platform(params (string Key, double Value)[] resources) => new()
    {
        Target = "tofino",
        TargetLocation = new Homunculus.Compiler.Diagnostics.SourceLocation("spec.hspec"),
        Resources = resources.ToDictionary(r => r.Key, r => r.Value),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryCaseFitsAtTheDefaultsAndReportsPerStageUse(string caseName)
    {
        var figures = new TofinoCostModel().Estimate(TnaTestModels.Get(caseName), Platform());
        Assert.All(figures, f => Assert.True(f.Fits, $"{f.Name}: {f.Value} > {f.Budget}"));
        Assert.Contains(figures, f => f.Name == "MAU stages" && f.Value >= 1);
        Assert.Contains(figures, f => f.Name == "stage 0 logical tables");
    }

    [Fact]
    public void FewerStagesThanTheDependencyChainIsInfeasibleAndNamed()
    {
        var figures = new TofinoCostModel().Estimate(TnaTestModels.Forest(), Platform(("stages", 2)));
        var stages = Assert.Single(figures, f => f.Name == "MAU stages");
        Assert.False(stages.Fits);
    }

    [Fact]
    public void DnnStillCannotRunAndTheOneLayerFamiliesCan()
    {
        var cost = new TofinoCostModel();
        Assert.Contains("cannot multiply two run-time values", cost.CannotRun("dnn"));
        foreach (var algorithm in new[] { "svm", "logistic", "kmeans", "naive-bayes", "tree", "forest", "boosted" })
            Assert.Null(cost.CannotRun(algorithm));
        var dnn = EmitterTestModels.AnomalyDetector();
        Assert.False(new TnaEmitter().Supports(dnn));
        Assert.Contains("multi-layer", TnaLowering.CannotLower(dnn));
    }
}
