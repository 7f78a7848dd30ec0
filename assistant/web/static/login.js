"use strict";

document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("login-error");
  error.textContent = "";
  const body = {
    username: document.getElementById("username").value.trim(),
    secret: document.getElementById("secret").value,
  };
  try {
    await App.json("/auth/login", { method: "POST", json: body });
    window.location.href = "/";
  } catch (exc) {
    error.textContent = `Không đăng nhập được: ${exc.message}`;
  }
});
