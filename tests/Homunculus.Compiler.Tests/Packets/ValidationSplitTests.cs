using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Pipeline;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Schedule;
using Homunculus.Compiler.Tests.Support;

namespace Homunculus.Compiler.Tests.Packets;

/// <summary>
/// The validation split of pcap data (<c>data.validationBy</c>): whole training captures by default, so the
/// choice between candidate models never scores a model on packets of the sessions it learned from.
/// </summary>
public sealed class ValidationSplitTests
{
    private static readonly Lazy<(HSpec Spec, LoadedData Data)> Sample = new(() => Load(File.ReadAllText(Path.Combine(PacketFieldTests.SampleFolder, "devices.hspec"))));

    private static (HSpec Spec, LoadedData Data) Load(string text)
    {
        string path = Path.Combine(PacketFieldTests.SampleFolder, "devices.hspec");
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(path, text, diagnostics);
        Assert.True(spec is not null, string.Join("\n", diagnostics.Items));
        var data = DataLoader.Load(spec!, DataLoader.ReadFiles(spec!, diagnostics)!, diagnostics);
        Assert.True(data is not null, string.Join("\n", diagnostics.Items));
        return (spec!, data!);
    }

    private static HSpec ByPacket(HSpec spec) => spec with { Data = spec.Data with { Pcap = spec.Data.Pcap! with { ValidationByFile = false } } };

    [Fact]
    public void Pcap_rows_carry_their_capture_through_subsets()
    {
        var (_, data) = Sample.Value;
        Assert.NotNull(data.Train.Groups);
        Assert.Equal(data.Train.Rows, data.Train.Groups!.Length);
        Assert.DoesNotContain(data.Test.Groups!, g => data.Train.Groups.Contains(g));
        var subset = data.Train.Subset(new[] { 5, 0, data.Train.Rows - 1 });
        Assert.Equal(new[] { data.Train.Groups[5], data.Train.Groups[0], data.Train.Groups[^1] }, subset.Groups);
    }

    [Fact]
    public void Validation_by_file_never_splits_a_capture()
    {
        var (spec, data) = Sample.Value;
        Assert.True(spec.Data.Pcap!.ValidationByFile);
        var (fit, validation, notes) = Compilation.SplitValidation(data.Train, data.Classes, spec);
        Assert.Equal(data.Train.Rows, fit.Rows + validation.Rows);
        Assert.Empty(fit.Groups!.Intersect(validation.Groups!));
        // Every class is chosen on: each has several training captures, so each gives at least one.
        Assert.Equal(data.Train.Classes.Distinct().Order(), validation.Classes.Distinct().Order());
        Assert.Equal(data.Train.Classes.Distinct().Order(), fit.Classes.Distinct().Order());
        Assert.Single(notes);
        Assert.Contains("training captures set aside whole", notes[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_by_file_is_deterministic_and_follows_the_seed()
    {
        var (spec, data) = Sample.Value;
        var first = Compilation.SplitValidation(data.Train, data.Classes, spec);
        var second = Compilation.SplitValidation(data.Train, data.Classes, spec);
        Assert.Equal(first.Fit.Groups, second.Fit.Groups);
        Assert.Equal(first.Validation.Groups, second.Validation.Groups);
        Assert.Equal(first.Validation.Encoded, second.Validation.Encoded);
        var other = Compilation.SplitValidation(data.Train, data.Classes, spec with { Seed = spec.Seed + 7 });
        Assert.NotEqual(first.Validation.Groups!.Distinct(), other.Validation.Groups!.Distinct());
    }

    [Fact]
    public void Validation_by_packet_is_the_per_row_stratified_split()
    {
        var (spec, data) = Sample.Value;
        var byPacket = ByPacket(spec);
        var (fit, validation, notes) = Compilation.SplitValidation(data.Train, data.Classes, byPacket);
        var (fitRows, validationRows) = Splits.Stratified(data.Train.Classes, spec.Data.Validation, spec.Seed + 1);
        Assert.Equal(data.Train.Subset(fitRows).Encoded, fit.Encoded);
        Assert.Equal(data.Train.Subset(validationRows).Encoded, validation.Encoded);
        Assert.Empty(notes);
        // Packet mode does mix captures: that is what the default avoids.
        Assert.NotEmpty(fit.Groups!.Intersect(validation.Groups!));
    }

    [Fact]
    public void Rows_without_captures_keep_the_per_row_split()
    {
        var (spec, _) = Sample.Value;
        var classes = Enumerable.Range(0, 50).Select(i => i % 2).ToArray();
        var rows = new Dataset(1, classes.Select(c => (long)c).ToArray(), classes);
        var (fit, validation, notes) = Compilation.SplitValidation(rows, Sample.Value.Data.Classes, spec);
        var (fitRows, validationRows) = Splits.Stratified(classes, spec.Data.Validation, spec.Seed + 1);
        Assert.Equal(fitRows.Count, fit.Rows);
        Assert.Equal(validationRows.Count, validation.Rows);
        Assert.Empty(notes);
    }

    [Fact]
    public void A_class_with_a_single_training_capture_is_split_by_packet_with_a_note()
    {
        var (spec, data) = Sample.Value;
        // Class 0: captures 10, 11, 12, 13; class 1: capture 20 only.
        var groups = new List<int>();
        var classes = new List<int>();
        foreach (var (group, cls, count) in new[] { (10, 0, 30), (11, 0, 25), (12, 0, 40), (13, 0, 20), (20, 1, 60) })
        {
            groups.AddRange(Enumerable.Repeat(group, count));
            classes.AddRange(Enumerable.Repeat(cls, count));
        }
        var rows = new Dataset(1, groups.Select(g => (long)g).ToArray(), classes.ToArray(), groups: groups.ToArray());
        var (fit, validation, notes) = Compilation.SplitValidation(rows, data.Classes, spec);
        var fitOf0 = fit.Groups!.Where((_, r) => fit.Classes[r] == 0).ToHashSet();
        var validationOf0 = validation.Groups!.Where((_, r) => validation.Classes[r] == 0).ToHashSet();
        Assert.Empty(fitOf0.Intersect(validationOf0));
        Assert.Single(validationOf0);
        // The single capture gives packets to both sides, in the per-packet proportion.
        Assert.Equal(48, fit.Classes.Count(c => c == 1));
        Assert.Equal(12, validation.Classes.Count(c => c == 1));
        Assert.Equal(2, notes.Count);
        Assert.Contains($"{data.Classes[1].Name} has a single training capture, split by packet instead", notes[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_schedule_keeps_captures_whole_in_every_model()
    {
        using var project = new TempProject();
        project.Spec(ScheduleSpecs.Packets("bmv2"));
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        string report = result.Files!["report.md"];
        Assert.Contains("training captures set aside whole", report, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_validationBy_is_HMC0005_at_its_value()
    {
        using var project = new TempProject();
        project.Spec("""
            {
              "name": "Toy",
              "data": { "format": "pcap", "train": "captures/*/*.pcap", "labelFromFolder": true,
                        "validationBy": "session" },
              "features": ["ipv4.ttl"],
              "algorithms": ["tree"],
              "platform": { "target": "bmv2" }
            }
            """);
        var d = TempProject.Single(project.Compile(), "HMC0005");
        Assert.Contains("file, packet", d.Message, StringComparison.Ordinal);
        Assert.Equal(project.Find("spec.hspec", "\"session\""), (d.Location!.Line, d.Location.Column));
    }

    [Fact]
    public void ValidationBy_with_csv_data_is_HMC0004_at_the_property()
    {
        using var project = new TempProject()
            .Spec(TempProject.ToySpec.Replace("\"label\": \"label\"", "\"label\": \"label\", \"validationBy\": \"file\"", StringComparison.Ordinal))
            .File("train.csv", TempProject.ToyCsv(60));
        var d = TempProject.Single(project.Compile(), "HMC0004");
        Assert.Contains("data.validationBy", d.Message, StringComparison.Ordinal);
        Assert.Equal(project.Find("spec.hspec", "\"validationBy\""), (d.Location!.Line, d.Location.Column));
    }
}
