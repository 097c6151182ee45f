using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;

namespace Homunculus.Sdk.Tests;

/// <summary>
/// The SDK as a user meets it: `dotnet new homunculus`, build, run, rebuild, a broken .hspec.
/// One pack per class (<see cref="PackedSdkFixture"/>); each test works in its own project.
/// </summary>
public sealed class TemplateEndToEndTests : IClassFixture<PackedSdkFixture>
{
    private static readonly string OutputFolder = Path.Combine("obj", "Debug", "net10.0", "homunculus");
    private readonly PackedSdkFixture _sdk;

    public TemplateEndToEndTests(PackedSdkFixture sdk)
    {
        _sdk = sdk;
    }

    [Fact]
    public void Template_project_builds_runs_and_rebuilds_only_when_inputs_change()
    {
        var project = _sdk.NewProject("EdgeGuard");
        var projectFile = File.ReadAllText(Path.Combine(project, "EdgeGuard.csproj"));
        Assert.Contains($"Sdk=\"Homunculus.Sdk/{_sdk.Version}\"", projectFile);

        // First build: restores the SDK from the feed, compiles anomaly.hspec, generates the C# stub.
        var build = Build(project);
        Assert.True(build.ExitCode == 0, build.ToString());
        var output = Path.Combine(project, OutputFolder, "anomaly");
        Assert.True(File.Exists(Path.Combine(output, "model.json")), "model.json missing\n" + build);
        Assert.True(File.Exists(Path.Combine(output, "report.md")), "report.md missing\n" + build);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(output, "bmv2"), "*.p4"));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(output, "taurus"), "*.scala"));
        Assert.True(File.Exists(Path.Combine(project, "obj", "hspec.schema.json")), "the schema the template's \"$schema\" names is missing");
        var stamp = Path.Combine(project, OutputFolder, "anomaly.stamp");
        Assert.True(File.Exists(stamp), "stamp missing\n" + build);

        // The program runs the generated predictor on the test data.
        var run = _sdk.Dotnet(project, "run", "--no-build");
        Assert.True(run.ExitCode == 0, run.ToString());
        var f1 = Regex.Match(run.Output, @"Weighted F1: (\d+\.\d+)");
        Assert.True(f1.Success, run.ToString());
        var value = double.Parse(f1.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(value, 0.5, 1.0);
        Assert.Contains("bmv2", run.Output);
        Assert.Contains(".scala", run.Output);

        // A no-op rebuild runs no target: the compiler (and csc) are skipped.
        AssertUpToDate(project);

        // Touching a data file the compiler read reruns it (dependency file), once.
        var before = File.GetLastWriteTimeUtc(stamp);
        Thread.Sleep(1100);
        File.SetLastWriteTimeUtc(Path.Combine(project, "data", "test.csv"), DateTime.UtcNow);
        var question = _sdk.Dotnet(project, "build", "--no-restore", "-question", "-tl:off");
        Assert.True(question.ExitCode != 0, "a touched data file should make the build out of date\n" + question);
        Assert.Contains("_HomunculusCompileCore", question.Output);
        build = Build(project, "--no-restore");
        Assert.True(build.ExitCode == 0, build.ToString());
        var afterData = File.GetLastWriteTimeUtc(stamp);
        Assert.True(afterData > before, "the compiler did not run after the data file changed\n" + build);
        AssertUpToDate(project);

        // Editing the .hspec (a comment) reruns it too.
        Thread.Sleep(1100);
        var spec = Path.Combine(project, "anomaly.hspec");
        File.WriteAllText(spec, "// edited by the end-to-end test\n" + File.ReadAllText(spec));
        build = Build(project, "--no-restore");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(File.GetLastWriteTimeUtc(stamp) > afterData, "the compiler did not run after the .hspec changed\n" + build);
        AssertUpToDate(project);
    }

    [Fact]
    public void Json_syntax_error_in_hspec_is_one_HMC0001_error_at_its_line_and_column()
    {
        var project = _sdk.NewProject("BrokenSpec");
        var spec = Path.Combine(project, "anomaly.hspec");
        var lines = File.ReadAllLines(spec);
        var nameLine = Array.FindIndex(lines, l => l.Contains("\"name\": \"AnomalyDetector\","));
        Assert.True(nameLine >= 0, "the template's .hspec changed shape");
        lines[nameLine] = lines[nameLine].Replace("\"AnomalyDetector\",", "\"AnomalyDetector\"");
        File.WriteAllLines(spec, lines);

        var build = Build(project);
        Assert.True(build.ExitCode != 0, build.ToString());
        // path(line,col): error HMC0001: ... The missing comma is noticed on the next line.
        var error = Regex.Match(build.Output, @"(?<path>\S*anomaly\.hspec)\((?<line>\d+),(?<column>\d+)\): error HMC0001: ");
        Assert.True(error.Success, build.ToString());
        Assert.Equal(Path.GetFullPath(spec), Path.GetFullPath(error.Groups["path"].Value));
        var line = int.Parse(error.Groups["line"].Value, CultureInfo.InvariantCulture);
        Assert.InRange(line, nameLine + 1, nameLine + 2);
        Assert.True(int.Parse(error.Groups["column"].Value, CultureInfo.InvariantCulture) >= 1);

        // Nothing else: no generic "exited with code" error, no stack trace.
        Assert.DoesNotContain("MSB6006", build.Output);
        Assert.DoesNotContain("HMC8003", build.Output);
        Assert.DoesNotContain("HMC9001", build.Output);
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", build.Output);
        Assert.DoesNotContain("Exception", build.Output);
    }

    [Fact]
    public void Missing_training_data_is_one_HMC1001_error_at_the_hspec()
    {
        var project = _sdk.NewProject("MissingData");
        var spec = Path.Combine(project, "anomaly.hspec");
        var lines = File.ReadAllLines(spec);
        var trainLine = Array.FindIndex(lines, l => l.Contains("\"train\": \"data/train.csv\""));
        Assert.True(trainLine >= 0, "the template's .hspec changed shape");
        lines[trainLine] = lines[trainLine].Replace("data/train.csv", "data/no-such-file.csv");
        File.WriteAllLines(spec, lines);

        var build = Build(project);
        Assert.True(build.ExitCode != 0, build.ToString());
        // path(line,col): error HMC1001: ..., at the "train" value.
        var error = Regex.Match(build.Output, @"(?<path>\S*anomaly\.hspec)\((?<line>\d+),(?<column>\d+)\): error HMC1001: (?<message>[^\r\n]*)");
        Assert.True(error.Success, build.ToString());
        Assert.Equal(Path.GetFullPath(spec), Path.GetFullPath(error.Groups["path"].Value));
        Assert.Equal(trainLine + 1, int.Parse(error.Groups["line"].Value, CultureInfo.InvariantCulture));
        Assert.True(int.Parse(error.Groups["column"].Value, CultureInfo.InvariantCulture) >= 1);
        Assert.Contains("no-such-file.csv", error.Groups["message"].Value);
        AssertOnlyCompilerErrors(build);
    }

    [Fact]
    public void Non_numeric_value_in_a_numeric_column_is_HMC1004_at_the_data_file()
    {
        var project = _sdk.NewProject("BadNumber");
        var data = Path.Combine(project, "data", "train.csv");
        var lines = File.ReadAllLines(data);
        // src_bytes (5th column, numeric in every row); not the first row, whose value decides the type.
        const int row = 9;
        var fields = lines[row].Split(',');
        fields[4] = "lots";
        lines[row] = string.Join(",", fields);
        int column = string.Join(",", fields.Take(4)).Length + 2;
        File.WriteAllLines(data, lines);

        var build = Build(project);
        Assert.True(build.ExitCode != 0, build.ToString());
        var error = Regex.Match(build.Output, @"(?<path>\S*train\.csv)\((?<line>\d+),(?<column>\d+)\): error HMC1004: (?<message>[^\r\n]*)");
        Assert.True(error.Success, build.ToString());
        Assert.Equal(Path.GetFullPath(data), Path.GetFullPath(error.Groups["path"].Value));
        Assert.Equal(row + 1, int.Parse(error.Groups["line"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(column, int.Parse(error.Groups["column"].Value, CultureInfo.InvariantCulture));
        Assert.Contains("'src_bytes'", error.Groups["message"].Value);
        Assert.Contains("'lots'", error.Groups["message"].Value);
        AssertOnlyCompilerErrors(build);
    }

    [Fact]
    public void Design_time_build_before_any_full_build_compiles_against_the_placeholder()
    {
        var project = _sdk.NewProject("DesignTime");
        // Code written against the stub's types (the template's Program.cs uses Parse, Predict, TryGetClass too).
        File.WriteAllText(Path.Combine(project, "Usage.cs"), """
            namespace DesignTime;

            internal static class Usage
            {
                internal static AnomalyDetector.Class Classify()
                {
                    var row = new AnomalyDetector.Features
                    {
                        Duration = 0,   // long or double: the type of an undeclared feature comes from the data
                        SrcBytes = 0,
                        ProtocolType = AnomalyDetector.ProtocolType.Unknown,
                    };
                    return AnomalyDetector.FeatureCount == AnomalyDetector.FeatureNames.Length
                        ? AnomalyDetector.Predict(in row)
                        : AnomalyDetector.Class.Attack;
                }
            }
            """);
        var generated = Path.Combine(project, "obj", "Debug", "net10.0", "generated", "Homunculus.Generators", "Homunculus.Generators.ModelStubGenerator", "AnomalyDetector.g.cs");

        // Microsoft.Managed.Core.targets does not create the generated-files folder in design-time builds.
        Directory.CreateDirectory(Path.Combine(project, "obj", "Debug", "net10.0", "generated"));

        // What an IDE does (DesignTimeBuild=true): never runs the compiler, yet the types exist.
        var designTime = Build(project, "-p:DesignTimeBuild=true", "-p:EmitCompilerGeneratedFiles=true");
        Assert.True(designTime.ExitCode == 0, designTime.ToString());
        Assert.False(Directory.Exists(Path.Combine(project, OutputFolder, "anomaly")), "a design-time build ran the compiler\n" + designTime);
        Assert.False(File.Exists(Path.Combine(project, OutputFolder, "anomaly.stamp")), "a design-time build ran the compiler\n" + designTime);
        Assert.True(File.Exists(generated), "no stub was generated\n" + designTime);
        var placeholder = File.ReadAllText(generated);
        Assert.Contains("PLACEHOLDER", placeholder);
        Assert.Contains("public double SrcBytes;", placeholder);  // undeclared in the .hspec: double until built
        Assert.Contains("public Service Service;", placeholder);  // declared categorical
        Assert.Contains("public enum ProtocolType", placeholder);
        Assert.Contains("warning HMC8001", designTime.Output);   // the model file does not exist yet
        Assert.DoesNotContain(": error ", designTime.Output);
        // The design-time build kept its generated editorconfig apart from the real build's.
        var editorConfigs = Directory.GetFiles(Path.Combine(project, "obj", "Debug", "net10.0"), "*.editorconfig");
        var designTimeConfig = Assert.Single(editorConfigs, f => f.EndsWith(".DesignTime.GeneratedMSBuildEditorConfig.editorconfig", StringComparison.Ordinal));
        Assert.Contains("build_property.DesignTimeBuild = true", File.ReadAllText(designTimeConfig));

        // The first full build compiles the .hspec; the trained stub replaces the placeholder.
        var build = Build(project, "--no-restore", "-p:EmitCompilerGeneratedFiles=true");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(File.Exists(Path.Combine(project, OutputFolder, "anomaly", "model.json")), build.ToString());
        var stub = File.ReadAllText(generated);
        Assert.DoesNotContain("PLACEHOLDER", stub);
        Assert.Contains("Inference stub of the Homunculus model 'AnomalyDetector'", stub);
        Assert.DoesNotContain("HMC8001", build.Output);
        Assert.DoesNotContain("HMC8006", build.Output);
        var realConfig = Assert.Single(Directory.GetFiles(Path.Combine(project, "obj", "Debug", "net10.0"), "*.editorconfig"), f => !f.Contains(".DesignTime.", StringComparison.Ordinal));
        Assert.DoesNotContain("build_property.DesignTimeBuild = true", File.ReadAllText(realConfig));
    }

    /// <summary>The compiler's own errors only: no generic task error, no generator error, no stack trace.</summary>
    private static void AssertOnlyCompilerErrors(CommandResult build)
    {
        Assert.DoesNotContain("MSB6006", build.Output);
        Assert.DoesNotContain("HMC8003", build.Output);
        Assert.DoesNotContain("HMC8006", build.Output);
        Assert.DoesNotContain("HMC9001", build.Output);
        Assert.DoesNotContain("error CS", build.Output);
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", build.Output);
        Assert.DoesNotContain("Exception", build.Output);
    }

    private CommandResult Build(string project, params string[] extra) =>
        _sdk.Dotnet(project, new[] { "build", "-tl:off" }.Concat(extra).ToArray());

    private void AssertUpToDate(string project)
    {
        var question = _sdk.Dotnet(project, "build", "--no-restore", "-question", "-tl:off");
        Assert.True(question.ExitCode == 0, "a no-op rebuild should be up to date\n" + question);
    }
}
