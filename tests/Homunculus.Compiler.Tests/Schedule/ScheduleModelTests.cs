using System.Linq;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Schedule;

/// <summary>The schedule in the model file: its consistency rules, depths, views and the combined decision of the reference interpreter.</summary>
public sealed class ScheduleModelTests
{
    /// <summary>Trees that always decide <paramref name="cls"/> of <paramref name="classes"/>, or, with a split, class 0 below the threshold.</summary>
    private static TreeEnsembleModel Constant(int classes, int cls, int? splitFeature = null) => new()
    {
        Classes = classes,
        Bias = Enumerable.Range(0, classes).Select(c => c == cls ? 1 : 0).ToEquatableArray(),
        Trees = splitFeature is int f
            ? new[]
            {
                new DecisionTree
                {
                    Nodes = new[] { new TreeNode { Feature = f, Threshold = 0, Left = ~0, Right = ~1 } }.ToEquatableArray(),
                    Leaves = new[] { new TreeLeaf { Class = 0, Value = 5 }, new TreeLeaf { Class = cls, Value = 5 } }.ToEquatableArray(),
                },
            }.ToEquatableArray()
            : EquatableArray<DecisionTree>.Empty,
    };

    private static EquatableArray<ClassInfo> Classes(params string[] names) => names.Select(n => new ClassInfo { Name = n, Labels = EquatableArray.From(n) }).ToEquatableArray();

    private static ModelFile File(params ScheduledModel[] models) => new()
    {
        Name = "s",
        Algorithm = ScheduleModel.KindName,
        Features = new[] { new FeatureEncoding { Name = "a", Kind = FeatureKind.Integer, Bits = 8, Max = 255 }, new FeatureEncoding { Name = "b", Kind = FeatureKind.Integer, Bits = 8, Max = 255 } }.ToEquatableArray(),
        Model = new ScheduleModel { Models = models.ToEquatableArray() },
    };

    private static ScheduledModel Model(string name, TreeEnsembleModel trees, string? after = null, int[]? when = null, bool input = false, params int[] features) => new()
    {
        Name = name,
        Algorithm = "tree",
        Features = (features.Length == 0 ? new[] { 0, 1 } : features).ToEquatableArray(),
        Classes = Classes(Enumerable.Range(0, trees.Classes).Select(c => $"{name}{c}").ToArray()),
        Model = trees,
        After = after,
        When = (when ?? []).ToEquatableArray(),
        Input = input,
    };

    [Fact]
    public void Decide_runs_each_model_after_its_earlier_one_and_only_for_its_classes()
    {
        var file = File(
            Model("a", Constant(2, 1)),
            Model("b", Constant(3, 2), "a", new[] { 0 }),          // a decides 1: b does not run
            Model("c", Constant(2, 1), "b"),                       // nor c, after b
            Model("d", Constant(3, 2, splitFeature: 1), "a", new[] { 1 }, input: true, 0),   // reads a's class (1 > 0): class 2
            Model("e", Constant(2, 0), "d"));                      // d ran: e runs
        Assert.Empty(Schedules.Problems(file));
        Assert.Equal(new[] { 0, 1, 2, 1, 2 }, Schedules.Of(file)!.Depths());
        Assert.Equal(new[] { 1, ReferenceInterpreter.NotRun, ReferenceInterpreter.NotRun, 2, 0 }, ReferenceInterpreter.Decide(file, new long[] { 7, 9 }));
        Assert.Equal(new[] { "a", "a class" }, Schedules.View(file, 3).Features.Select(f => f.Name));
        Assert.Equal(FeatureKind.Categorical, Schedules.View(file, 3).Features[1].Kind);
        Assert.Equal(file, ModelFileJson.Deserialize(ModelFileJson.Serialize(file)));
        Assert.Throws<System.NotSupportedException>(() => ReferenceInterpreter.Predict(file, new long[] { 7, 9 }));
    }

    [Fact]
    public void Problems_name_what_is_inconsistent()
    {
        Assert.Contains(Schedules.Problems(File(Model("a", Constant(2, 0), "b"), Model("b", Constant(2, 0)))), p => p.Contains("not an earlier model", System.StringComparison.Ordinal));
        Assert.Contains(Schedules.Problems(File(Model("a", Constant(2, 0)), Model("b", Constant(2, 0), "a", new[] { 5 }))), p => p.Contains("class 5", System.StringComparison.Ordinal));
        Assert.Contains(Schedules.Problems(File(Model("a", Constant(2, 0), features: new[] { 0, 4 }))), p => p.Contains("feature 4", System.StringComparison.Ordinal));
        Assert.Contains(Schedules.Problems(File(Model("a", Constant(2, 0)), Model("a", Constant(2, 0)))), p => p.Contains("two models", System.StringComparison.Ordinal));
        Assert.Contains(Schedules.Problems(File(Model("a", Constant(2, 0), when: new[] { 0 }))), p => p.Contains("runs after no model", System.StringComparison.Ordinal));
    }
}
