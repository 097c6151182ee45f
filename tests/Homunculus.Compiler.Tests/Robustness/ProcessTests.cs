using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Homunculus.Compiler.Tests.Support;

namespace Homunculus.Compiler.Tests.Robustness;

/// <summary>
/// The compiler as a build runs it, interrupted: Ctrl+C, a killed process, two builds at once. Outputs are
/// never half-written, the next run finishes from what was recorded, and concurrent runs agree.
/// </summary>
public sealed class ProcessTests
{
    private static string SearchSpec(int trials) => TempProject.ToySpec
        .Replace("\"model\": { \"dnn\": { \"hidden\": [6, 4], \"epochs\": 20 } },", $"\"search\": {{ \"trials\": {trials}, \"parallel\": 1 }},")
        .Replace("\"algorithms\": [\"dnn\"]", "\"algorithms\": [\"dnn\", \"tree\", \"logistic\"]");

    private sealed class Run : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private int _trialLines;

        public Run(TempProject project)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(typeof(Homunculus.Compiler.Program).Assembly.Location);
            foreach (var arg in new[] { "compile", project.SpecPath, "-o", project.OutputFolder, "--cache", project.CacheFolder }) start.ArgumentList.Add(arg);
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (_output) _output.AppendLine(e.Data);
                if (e.Data.StartsWith("trial ", StringComparison.Ordinal)) Interlocked.Increment(ref _trialLines);
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null) lock (_output) _output.AppendLine(e.Data);
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public int Pid => _process.Id;

        public void WaitForTrials(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (Volatile.Read(ref _trialLines) < count && !_process.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(20);
            if (_process.HasExited) _process.WaitForExit();   // drains the output events still in flight
            Assert.True(Volatile.Read(ref _trialLines) >= count, $"the compiler printed fewer than {count} trial lines (exited: {_process.HasExited}):\n" + Output);
            Assert.False(_process.HasExited, "the compiler finished before it could be interrupted; the test needs a longer search:\n" + Output);
        }

        public (int ExitCode, string Output) Finish(int seconds = 120)
        {
            Assert.True(_process.WaitForExit(seconds * 1000), "the compiler did not stop in time:\n" + Output);
            _process.WaitForExit();
            return (_process.ExitCode, Output);
        }

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
    }

    [Fact]
    public void Ctrl_c_stops_the_search_within_seconds_with_HMC9003_and_writes_nothing()
    {
        using var project = new TempProject().Spec(SearchSpec(200)).File("train.csv", TempProject.ToyCsv(1500));
        using var run = new Run(project);
        run.WaitForTrials(1);
        var stopwatch = Stopwatch.StartNew();
        Signal(run.Pid, "INT");
        var (exit, output) = run.Finish(seconds: 30);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"took {stopwatch.Elapsed}");
        Assert.Equal(1, exit);
        Assert.Contains("error HMC9003", output);
        Assert.DoesNotContain("   at ", output);
        Assert.False(File.Exists(Path.Combine(project.OutputFolder, "model.json")));
        Assert.False(File.Exists(project.SpecPath + ".lock"));
    }

    [Fact]
    public void A_killed_search_resumes_from_its_recorded_trials_and_ends_as_an_uninterrupted_one()
    {
        // Long enough that the first run is still searching when it is killed.
        string csv = TempProject.ToyCsv(2000);
        using var reference = new TempProject().Spec(SearchSpec(40)).File("train.csv", csv);
        using (var straight = new Run(reference)) Assert.Equal(0, straight.Finish().ExitCode);

        using var project = new TempProject().Spec(SearchSpec(40)).File("train.csv", csv);
        string resumedOutput;
        using (var first = new Run(project))
        {
            first.WaitForTrials(3);
            Signal(first.Pid, "KILL");
            first.Finish(seconds: 30);
        }
        Assert.False(File.Exists(Path.Combine(project.OutputFolder, "model.json")));
        using (var second = new Run(project))
        {
            var (exit, output) = second.Finish();
            Assert.True(exit == 0, output);
            resumedOutput = output;
        }
        Assert.Contains("(recorded)", resumedOutput, StringComparison.OrdinalIgnoreCase);
        foreach (var file in new[] { "model.json", "report.md" })
            Assert.Equal(File.ReadAllText(Path.Combine(reference.OutputFolder, file)), File.ReadAllText(Path.Combine(project.OutputFolder, file)));
    }

    [Fact]
    public async Task Two_compilers_on_one_cache_at_once_both_succeed_and_agree()
    {
        using var project = new TempProject().Spec(SearchSpec(6)).File("train.csv", TempProject.ToyCsv(400));
        using var twin = new TempProject().Spec(SearchSpec(6)).File("train.csv", TempProject.ToyCsv(400));
        // The twin shares the first project's cache folder, as two builds of one project would.
        var both = await Task.WhenAll(
            Task.Run(() => Compile(project.SpecPath, project.OutputFolder, project.CacheFolder)),
            Task.Run(() => Compile(twin.SpecPath, twin.OutputFolder, project.CacheFolder)));
        foreach (var (exit, output) in both) Assert.True(exit == 0, output);
        Assert.Equal(File.ReadAllText(Path.Combine(project.OutputFolder, "model.json")), File.ReadAllText(Path.Combine(twin.OutputFolder, "model.json")));
        // And what they left behind (cache, lock file) still serves a third run with the same result.
        var c = Compile(project.SpecPath, Path.Combine(project.Root, "out3"), project.CacheFolder);
        Assert.True(c.ExitCode == 0, c.Output);
        Assert.Equal(File.ReadAllText(Path.Combine(project.OutputFolder, "model.json")), File.ReadAllText(Path.Combine(project.Root, "out3", "model.json")));
    }

    private static (int ExitCode, string Output) Compile(string spec, string output, string cache)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(Homunculus.Compiler.Program).Assembly.Location);
        foreach (var arg in new[] { "compile", spec, "-o", output, "--cache", cache }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        string stderr = "";
        var errors = new Thread(() => stderr = process.StandardError.ReadToEnd());
        errors.Start();
        string stdout = process.StandardOutput.ReadToEnd();
        errors.Join();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr);
    }

    [Fact]
    public void Unreadable_data_file_is_HMC1009()
    {
        using var project = new TempProject().Spec(TempProject.ToySpec.Replace("\"train.csv\"", "\"train.sock\""));
        // A socket file exists but cannot be read as a file, whoever runs the test (root ignores permissions).
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(project.Root, "train.sock")));
        var d = TempProject.Single(project.Compile(), "HMC1009");
        Assert.Contains("train.sock", d.Message);
        Assert.Equal(project.Find("spec.hspec", "\"train.sock\""), (d.Location!.Line, d.Location.Column));
    }
}
