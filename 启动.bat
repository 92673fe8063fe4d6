@echo off
rem Double-click to install and start the Bargain Witness companion (docs/windows.md).
rem ASCII on purpose: cmd.exe reads a .bat in the console's code page.
setlocal
call "%~dp0scripts\start.bat" %*
exit /b %ERRORLEVEL%
