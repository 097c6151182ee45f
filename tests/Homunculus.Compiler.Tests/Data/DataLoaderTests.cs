using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Data;

public sealed class DataLoaderTests
{
    private static LoadedData Load(TempProject project)
    {
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(project.SpecPath, System.IO.File.ReadAllText(project.SpecPath), diagnostics)!;
        var data = DataLoader.Load(spec, DataLoader.ReadFiles(spec, diagnostics)!, diagnostics);
        Assert.False(diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        return data!;
    }

    [Fact]
    public void Encodings_are_derived_from_the_training_data()
    {
        var csv = "a,b,rate,proto,label\n-5,70000,0.25,udp,small\n10,3,0.5,tcp,big\n7,0,0.125,icmp,big\n";
        using var project = new TempProject().Spec(TempProject.ToySpec).File("train.csv", csv);
        var data = Load(project);
        var a = data.Features[0];
        Assert.Equal(FeatureKind.Integer, a.Kind);
        Assert.Equal(-5, a.Offset);                      // smallest value encodes as 0
        Assert.Equal(4, a.Bits);                         // 10 - (-5) = 15
        var b = data.Features[1];
        Assert.Equal(17, b.Bits);                        // 70000 < 2^17
        Assert.Equal((1L << 17) - 1, b.Max);
        var rate = data.Features[2];
        Assert.Equal(FeatureKind.Fractional, rate.Kind);
        Assert.Equal(1000, rate.Scale);                  // three decimals seen
        var proto = data.Features[3];
        Assert.Equal(new[] { "icmp", "tcp", "udp" }, proto.Categories);
        Assert.Equal(new long[] { 0, 70000, 250, 2 }, data.Train.Row(0).Length == 4 ? data.Train.Row(0) : null);
    }

    [Fact]
    public void Without_declared_classes_each_label_is_a_class_in_ordinal_order()
    {
        var spec = TempProject.ToySpec.Replace(",\n    \"classes\": { \"small\": [\"small\"], \"big\": \"*\" }", "");
        using var project = new TempProject().Spec(spec).File("train.csv", TempProject.ToyCsv(100));
        var data = Load(project);
        Assert.Equal(new[] { "big", "small" }, data.Classes.Select(c => c.Name));
    }

    [Fact]
    public void Stratified_holdout_keeps_class_shares_and_is_seeded()
    {
        var classes = Enumerable.Range(0, 1000).Select(i => i % 10 == 0 ? 1 : 0).ToArray();
        var (keep, held) = Splits.Stratified(classes, 0.2, 5);
        Assert.Equal(200, held.Count);
        Assert.Equal(20, held.Count(i => classes[i] == 1));
        Assert.Empty(keep.Intersect(held));
        Assert.Equal(held, Splits.Stratified(classes, 0.2, 5).HeldOut);
        Assert.NotEqual(held, Splits.Stratified(classes, 0.2, 6).HeldOut);
    }
}
