using System.Diagnostics;
using System.IO;
using Homunculus.Compiler.Tests.Support;

namespace Homunculus.Compiler.Tests.Spec;

/// <summary>The compiler as the MSBuild task runs it: a separate process, canonical diagnostics, no stack traces.</summary>
public sealed class CommandLineTests
{
    private static (int ExitCode, string Output) RunCompiler(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(Homunculus.Compiler.Program).Assembly.Location);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    [Fact]
    public void Errors_are_canonical_msbuild_lines_without_stack_traces()
    {
        using var project = new TempProject().Spec("{ \"name\": \"X\", \n  \"data\": [ }");
        var (exit, output) = RunCompiler("compile", project.SpecPath, "-o", project.OutputFolder);
        Assert.Equal(1, exit);
        Assert.Matches(@"spec\.hspec\(2,\d+\): error HMC0001: ", output);
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("Exception", output);
    }

    [Fact]
    public void Success_writes_the_outputs_and_the_dependency_file()
    {
        using var project = new TempProject().Spec(TempProject.ToySpec).File("train.csv", TempProject.ToyCsv(200));
        string deps = Path.Combine(project.Root, "deps.txt");
        var (exit, output) = RunCompiler("compile", project.SpecPath, "-o", project.OutputFolder, "--deps", deps);
        Assert.True(exit == 0, output);
        Assert.True(File.Exists(Path.Combine(project.OutputFolder, "model.json")));
        var listed = File.ReadAllLines(deps);
        Assert.Contains(project.SpecPath, listed);
        Assert.Contains(Path.Combine(project.Root, "train.csv"), listed);
    }

    [Fact]
    public void An_unexpected_failure_is_one_HMC9001_line_without_a_stack_trace()
    {
        // An output "folder" that is a file: the compiler cannot write there, which no check anticipates.
        using var project = new TempProject().Spec(TempProject.ToySpec).File("train.csv", TempProject.ToyCsv(100)).File("taken", "a file");
        var (exit, output) = RunCompiler("compile", project.SpecPath, "-o", Path.Combine(project.Root, "taken"));
        Assert.Equal(1, exit);
        Assert.Single(output.Split('\n'), l => l.Contains("error HMC9001", System.StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void Bad_arguments_give_a_usage_error()
    {
        var (exit, output) = RunCompiler("compile");
        Assert.Equal(2, exit);
        Assert.Contains("error HMC9002", output);
        Assert.Contains("usage:", output);
    }
}
