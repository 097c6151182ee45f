using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Homunculus.Tasks;
using Microsoft.Build.Framework;
using Xunit;

namespace Homunculus.Sdk.Tests
{
    /// <summary>The task's own failures (no compiler, no dotnet host, a compiler that dies) as one clear HMC error each.</summary>
    [Collection(EnvironmentCollection.Name)]
    public sealed class TaskTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "hmc-task-" + Guid.NewGuid().ToString("N"));

        public TaskTests() => Directory.CreateDirectory(_root);

        public void Dispose() => Directory.Delete(_root, recursive: true);

        private (HomunculusCompile Task, RecordingEngine Engine) Create(string compilerPath)
        {
            File.WriteAllText(Path.Combine(_root, "x.hspec"), "{}");
            var engine = new RecordingEngine();
            var task = new HomunculusCompile
            {
                BuildEngine = engine,
                Spec = Path.Combine(_root, "x.hspec"),
                OutputDirectory = Path.Combine(_root, "out"),
                CompilerPath = compilerPath,
            };
            return (task, engine);
        }

        [Fact]
        public void Missing_compiler_is_HMC8004()
        {
            var (task, engine) = Create(Path.Combine(_root, "nowhere", "Homunculus.Compiler.dll"));
            Assert.False(task.Execute());
            var error = Assert.Single(engine.Errors);
            Assert.Equal("HMC8004", error.Code);
            Assert.Contains("nowhere", error.Message);
        }

        [Fact]
        public void Compiler_that_dies_without_a_diagnostic_is_one_HMC8003()
        {
            string notAnAssembly = Path.Combine(_root, "Homunculus.Compiler.dll");
            File.WriteAllText(notAnAssembly, "not a .NET assembly");
            var (task, engine) = Create(notAnAssembly);
            Assert.False(task.Execute());
            var error = Assert.Single(engine.Errors);
            Assert.Equal("HMC8003", error.Code);
            Assert.DoesNotContain("   at ", error.Message);
        }

        [Fact]
        public void No_dotnet_host_is_HMC8005()
        {
            string compiler = Path.Combine(_root, "Homunculus.Compiler.dll");
            File.WriteAllText(compiler, "");
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            string? path = Environment.GetEnvironmentVariable("PATH");
            try
            {
                Environment.SetEnvironmentVariable("DOTNET_HOST_PATH", null);
                Environment.SetEnvironmentVariable("PATH", _root);
                var (task, engine) = Create(compiler);
                Assert.False(task.Execute());
                Assert.Contains(engine.Errors, e => e.Code == "HMC8005");
            }
            finally
            {
                Environment.SetEnvironmentVariable("DOTNET_HOST_PATH", host);
                Environment.SetEnvironmentVariable("PATH", path);
            }
        }

        private sealed class RecordingEngine : IBuildEngine
        {
            public List<BuildErrorEventArgs> Errors { get; } = new();

            public bool ContinueOnError => false;
            public int LineNumberOfTaskNode => 0;
            public int ColumnNumberOfTaskNode => 0;
            public string ProjectFileOfTaskNode => "test.csproj";

            public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => false;
            public void LogCustomEvent(CustomBuildEventArgs e) { }
            public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e);
            public void LogMessageEvent(BuildMessageEventArgs e) { }
            public void LogWarningEvent(BuildWarningEventArgs e) { }
        }
    }

    /// <summary>Tests that change process-wide environment variables run alone.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class EnvironmentCollection
    {
        public const string Name = "process environment";
    }
}
