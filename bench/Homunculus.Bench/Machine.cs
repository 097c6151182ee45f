using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Homunculus.Bench;

/// <summary>The machine a suite ran on, as RESULTS.md names it.</summary>
public sealed class Machine
{
    public string Cpu { get; set; } = "";
    public int Cores { get; set; }
    public string Os { get; set; } = "";
    public string Runtime { get; set; } = "";
    public string Sdk { get; set; } = "";

    public string Describe() => $"{Cpu}, {Cores} cores, {Os}, {Runtime}, SDK {Sdk}";

    public static Machine Current()
    {
        string cpu = RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException) { }
        string os = RuntimeInformation.OSDescription;
        try
        {
            if (File.Exists("/etc/os-release"))
                os = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') ?? os;
        }
        catch (IOException) { }
        return new Machine
        {
            Cpu = cpu,
            Cores = Environment.ProcessorCount,
            Os = $"{os} ({RuntimeInformation.OSArchitecture})",
            Runtime = RuntimeInformation.FrameworkDescription,
            Sdk = Shell.Capture("dotnet", Repo.Root, "--version")?.Trim() ?? "?",
        };
    }
}

public static class Repo
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Homunculus.slnx"))) return d.FullName;
        throw new InvalidOperationException("Homunculus.slnx not found above the current directory or " + AppContext.BaseDirectory);
    }

    /// <summary>Short commit, with "+dirty" when the working tree has uncommitted changes.</summary>
    public static string Commit()
    {
        string? head = Shell.Capture("git", Root, "rev-parse", "--short=12", "HEAD")?.Trim();
        if (string.IsNullOrEmpty(head)) return "unknown";
        string? status = Shell.Capture("git", Root, "status", "--porcelain", "--untracked-files=no");
        return string.IsNullOrWhiteSpace(status) ? head : head + "+dirty";
    }
}

public static class Shell
{
    /// <summary>Standard output of a short command, or null when it cannot run.</summary>
    public static string? Capture(string file, string directory, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            var err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
